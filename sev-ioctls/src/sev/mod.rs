//! AMD SEV: the firmware device `/dev/sev` ([`Sev`]), the `KVM_SEV_*` commands of
//! `KVM_MEMORY_ENCRYPT_OP` on a VM ([`Vm::sev_command`](crate::kvm::Vm::sev_command)) and
//! the SEV-SNP guest device `/dev/sev-guest` ([`SevGuest`]).
//!
//! Commands that travel inside another ioctl's payload are types bound to their command
//! id and payload ([`FirmwareCommand`], [`KvmSevCommand`]). A command borrows its buffers
//! for the call and fills every address of its payload from those borrows before the
//! call, so safe code cannot hand the kernel an address. Every result combines the
//! ioctl's errno with the firmware status ([`decode_status`], [`SevError`]).
//!
//! ```no_run
//! use sev_ioctls::sev::{FirmwareStatus, Sev, SevError};
//!
//! let sev = Sev::open()?;
//! match sev.platform_status() {
//!     Ok(status) => println!("API {}.{}, build {}", status.api_major, status.api_minor, status.build),
//!     Err(SevError::Firmware { status: FirmwareStatus::InvalidPlatformState, .. }) => println!("not initialized"),
//!     Err(error) => return Err(error.into()),
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`snp`] holds the newer SEV-SNP commands (`SNP_*` firmware commands, `KVM_SEV_INIT2`,
//! the SNP launch commands), which the installed Linux 6.1 headers do not define.

use std::io;

use crate::tables::{CLayout, SubCommand};

mod firmware;
mod guest;
mod kvm_types;
mod psp_types;
mod debug;
#[cfg(feature = "fake-firmware")]
pub mod fake;
pub mod launch;
pub mod migrate;
pub mod snp;
mod status;

pub use firmware::*;
pub use guest::*;
pub use kvm_types::*;
pub use psp_types::*;
pub use debug::*;
pub use launch::KvmSevCommand;
pub use status::*;

mod sealed {
    /// Restricts the command traits to the commands of this crate.
    pub trait Sealed {}
}

/// Converts a buffer length to a payload's 32-bit length field.
fn len_u32(buffer: &[u8]) -> Result<u32, SevError> {
    u32::try_from(buffer.len()).map_err(|_| {
        SevError::Os(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a buffer of {} bytes does not fit a 32-bit length field", buffer.len()),
        ))
    })
}

/// Returns the address and length fields for a buffer that the kernel reads; `None` is
/// address 0 and length 0.
fn input(buffer: Option<&[u8]>) -> Result<(u64, u32), SevError> {
    match buffer {
        Some(buffer) => Ok((buffer.as_ptr() as u64, len_u32(buffer)?)),
        None => Ok((0, 0)),
    }
}

/// Returns the address and length fields for a buffer that the kernel writes; `None` is
/// address 0 and length 0, which the kernel reads as a length query.
fn output(buffer: Option<&mut [u8]>) -> Result<(u64, u32), SevError> {
    match buffer {
        Some(buffer) => Ok((buffer.as_mut_ptr() as u64, len_u32(buffer)?)),
        None => Ok((0, 0)),
    }
}

/// Every `KVM_SEV_*` command of `KVM_MEMORY_ENCRYPT_OP` that the installed `linux/kvm.h`
/// defines.
pub const KVM_SEV_COMMANDS: &[SubCommand] = {
    use debug::*;
    use launch::*;
    use migrate::*;
    &[
        entry::<Init>(),
        entry::<EsInit>(),
        entry::<LaunchStart<'static>>(),
        entry::<LaunchUpdateData<'static>>(),
        entry::<LaunchUpdateVmsa>(),
        entry::<LaunchSecret<'static>>(),
        entry::<LaunchMeasure<'static>>(),
        entry::<LaunchFinish>(),
        entry::<SendStart<'static>>(),
        entry::<SendUpdateData<'static>>(),
        entry::<SendUpdateVmsa>(),
        entry::<SendFinish>(),
        entry::<ReceiveStart<'static>>(),
        entry::<ReceiveUpdateData<'static>>(),
        entry::<ReceiveUpdateVmsa>(),
        entry::<ReceiveFinish>(),
        entry::<GuestStatus>(),
        entry::<DbgDecrypt<'static>>(),
        entry::<DbgEncrypt<'static>>(),
        entry::<CertExport>(),
        entry::<GetAttestationReport<'static>>(),
        entry::<SendCancel>(),
    ]
};

/// The layout of every payload type of this module that the installed headers define.
pub const PAYLOAD_LAYOUTS: &[CLayout] = &[
    CLayout::of::<sev_issue_cmd>(),
    CLayout::of::<sev_user_data_status>(),
    CLayout::of::<sev_user_data_pek_csr>(),
    CLayout::of::<sev_user_data_pek_cert_import>(),
    CLayout::of::<sev_user_data_pdh_cert_export>(),
    CLayout::of::<sev_user_data_get_id>(),
    CLayout::of::<sev_user_data_get_id2>(),
    CLayout::of::<kvm_sev_launch_start>(),
    CLayout::of::<kvm_sev_launch_update_data>(),
    CLayout::of::<kvm_sev_launch_secret>(),
    CLayout::of::<kvm_sev_launch_measure>(),
    CLayout::of::<kvm_sev_guest_status>(),
    CLayout::of::<kvm_sev_dbg>(),
    CLayout::of::<kvm_sev_attestation_report>(),
    CLayout::of::<kvm_sev_send_start>(),
    CLayout::of::<kvm_sev_send_update_data>(),
    CLayout::of::<kvm_sev_receive_start>(),
    CLayout::of::<kvm_sev_receive_update_data>(),
    CLayout::of::<snp_report_req>(),
    CLayout::of::<snp_report_resp>(),
    CLayout::of::<snp_derived_key_req>(),
    CLayout::of::<snp_derived_key_resp>(),
    CLayout::of::<snp_guest_request_ioctl>(),
    CLayout::of::<snp_ext_report_req>(),
];
