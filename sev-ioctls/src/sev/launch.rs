//! The `KVM_SEV_*` commands of `KVM_MEMORY_ENCRYPT_OP` on a VM fd: guest initialization,
//! launch, status, debugging and attestation. Migration commands are in
//! [`migrate`](super::migrate).
//!
//! Each command is a type that implements [`KvmSevCommand`], which binds the command id
//! to its payload. A command holds the borrows of its buffers and its C payload, and fills
//! the payload's address and length fields from those borrows before every call, so no
//! other address reaches the kernel and a payload the kernel wrote back cannot carry a
//! stale length into the next call. KVM copies at most the lengths that the caller gave.
//!
//! Guest memory fields (`uaddr` of `KVM_SEV_LAUNCH_UPDATE_DATA`, `guest_uaddr` of
//! `KVM_SEV_LAUNCH_SECRET`) take a `&mut [u8]` or a range of a [`GuestMemory`], such as
//! the memory of a [`MemoryRegion`](crate::kvm::MemoryRegion), because the firmware writes
//! there. A `GuestMemory` is borrowed shared: it hands out no references into its bytes,
//! so the firmware writing them is like the guest writing them.

use std::os::fd::AsRawFd;

use ioctl_core::TypeLayout;

use super::kvm_types::*;
use super::{decode_status, input, output, sealed, Sev, SevError};
use crate::kvm::{kvm_sev_cmd, GuestMemory, Vm, KVM_MEMORY_ENCRYPT_OP};
use crate::tables::SubCommand;

/// A `KVM_SEV_*` command of `KVM_MEMORY_ENCRYPT_OP`: the command id bound to its payload.
///
/// # Safety
///
/// By implementing this trait you guarantee that [`prepare`](Self::prepare) returns 0 for
/// a command without payload, or the address of command `ID`'s C payload inside `self`,
/// and that every address in that payload comes from a borrow that `self` holds, valid
/// for the kernel's reads and writes of the lengths the payload states. The trait is
/// sealed: the commands of this crate are its only implementations.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `KVM_SEV_*` command",
    label = "not a command type of `sev_ioctls::sev`",
    note = "pass a command type such as `launch::LaunchMeasure::new(&mut buffer)`, which fills the payload's addresses from borrows"
)]
pub unsafe trait KvmSevCommand: sealed::Sealed {
    /// The command id (`KVM_SEV_*`).
    const ID: u32;
    /// The C name of the id.
    const NAME: &'static str;
    /// The payload's layout, or `None` for a command without one.
    const PAYLOAD: Option<TypeLayout>;

    /// Fills the C payload from the borrows that `self` holds and returns its address for
    /// `kvm_sev_cmd.data` (0 without payload).
    fn prepare(&mut self) -> Result<u64, SevError>;
}

impl Vm {
    /// Runs an SEV command on this VM (`KVM_MEMORY_ENCRYPT_OP`).
    ///
    /// `sev` is the firmware device, which `KVM_SEV_LAUNCH_START` and
    /// `KVM_SEV_RECEIVE_START` need in `sev_fd`; the other commands ignore it, and `None`
    /// passes -1. On a host without SEV the kernel fails with ENOTTY, which is
    /// [`SevError::Os`].
    pub fn sev_command<C: KvmSevCommand>(&self, sev: Option<&Sev>, command: &mut C) -> Result<(), SevError> {
        let data = command.prepare()?;
        let sev_fd = sev.map_or(u32::MAX, |sev| sev.as_raw_fd() as u32);
        let mut payload = kvm_sev_cmd { id: C::ID, data, error: 0, sev_fd };
        // The kernel reads the command's payload at `data`, which `prepare` filled from
        // borrows that `command` holds; `command` stays borrowed for the call.
        let result = KVM_MEMORY_ENCRYPT_OP.call(self, &mut payload);
        decode_status(result, payload.error)
    }
}

/// Declares a `KVM_SEV_*` command type without payload.
macro_rules! kvm_command_without_payload {
    ($(#[$doc:meta])* $name:ident = $id:ident;) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        // SAFETY: the command takes no payload, so `prepare` returns 0.
        unsafe impl KvmSevCommand for $name {
            const ID: u32 = $id;
            const NAME: &'static str = stringify!($id);
            const PAYLOAD: Option<TypeLayout> = None;

            fn prepare(&mut self) -> Result<u64, SevError> {
                Ok(0)
            }
        }
    };
}
pub(crate) use kvm_command_without_payload;

/// Implements [`KvmSevCommand`] for a command type whose C payload is its `raw` field and
/// whose `fill` method sets the payload's addresses from its borrows.
macro_rules! kvm_command_with_payload {
    ($name:ident<$lifetime:lifetime> = $id:ident, $payload:ty) => {
        impl sealed::Sealed for $name<'_> {}

        // SAFETY: `prepare` calls `fill`, which sets every address of `raw` from a borrow
        // that the command holds, with that borrow's length (for a `GuestMemory`, a range
        // checked to lie inside it), and returns the address of `raw`, the C payload of
        // this command id.
        unsafe impl KvmSevCommand for $name<'_> {
            const ID: u32 = $id;
            const NAME: &'static str = stringify!($id);
            const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<$payload>());

            fn prepare(&mut self) -> Result<u64, SevError> {
                self.fill()?;
                Ok(core::ptr::addr_of_mut!(self.raw) as u64)
            }
        }
    };
}
pub(crate) use kvm_command_with_payload;

/// `KVM_SEV_INIT`.
pub const KVM_SEV_INIT: u32 = 0;
/// `KVM_SEV_ES_INIT`.
pub const KVM_SEV_ES_INIT: u32 = 1;
/// `KVM_SEV_LAUNCH_START`.
pub const KVM_SEV_LAUNCH_START: u32 = 2;
/// `KVM_SEV_LAUNCH_UPDATE_DATA`.
pub const KVM_SEV_LAUNCH_UPDATE_DATA: u32 = 3;
/// `KVM_SEV_LAUNCH_UPDATE_VMSA`.
pub const KVM_SEV_LAUNCH_UPDATE_VMSA: u32 = 4;
/// `KVM_SEV_LAUNCH_SECRET`.
pub const KVM_SEV_LAUNCH_SECRET: u32 = 5;
/// `KVM_SEV_LAUNCH_MEASURE`.
pub const KVM_SEV_LAUNCH_MEASURE: u32 = 6;
/// `KVM_SEV_LAUNCH_FINISH`.
pub const KVM_SEV_LAUNCH_FINISH: u32 = 7;
/// `KVM_SEV_GUEST_STATUS`.
pub const KVM_SEV_GUEST_STATUS: u32 = 16;
/// `KVM_SEV_CERT_EXPORT`.
pub const KVM_SEV_CERT_EXPORT: u32 = 19;
/// `KVM_SEV_GET_ATTESTATION_REPORT`.
pub const KVM_SEV_GET_ATTESTATION_REPORT: u32 = 20;

kvm_command_without_payload! {
    /// `KVM_SEV_INIT`: makes the VM an SEV guest; the firmware is initialized on demand.
    Init = KVM_SEV_INIT;
}

kvm_command_without_payload! {
    /// `KVM_SEV_ES_INIT`: makes the VM an SEV-ES guest.
    EsInit = KVM_SEV_ES_INIT;
}

kvm_command_without_payload! {
    /// `KVM_SEV_LAUNCH_UPDATE_VMSA`: encrypts the vCPUs' register state (SEV-ES).
    LaunchUpdateVmsa = KVM_SEV_LAUNCH_UPDATE_VMSA;
}

kvm_command_without_payload! {
    /// `KVM_SEV_LAUNCH_FINISH`: ends the launch; the guest can run.
    LaunchFinish = KVM_SEV_LAUNCH_FINISH;
}

kvm_command_without_payload! {
    /// `KVM_SEV_CERT_EXPORT`: an id that `linux/kvm.h` reserves without a payload struct;
    /// Linux 6.1 KVM has no handler for it and fails with EINVAL.
    CertExport = KVM_SEV_CERT_EXPORT;
}

/// `KVM_SEV_LAUNCH_START`: creates the guest's encryption context from the guest
/// owner's policy, Diffie-Hellman certificate and session blob.
#[derive(Debug)]
pub struct LaunchStart<'a> {
    raw: kvm_sev_launch_start,
    dh_cert: Option<&'a [u8]>,
    session: Option<&'a [u8]>,
}

impl<'a> LaunchStart<'a> {
    /// Starts a launch with `policy`, the guest owner's `dh_cert` and `session` blob, and
    /// `handle` (0 for a new context, or a handle to share with).
    pub fn new(handle: u32, policy: u32, dh_cert: Option<&'a [u8]>, session: Option<&'a [u8]>) -> LaunchStart<'a> {
        let raw = kvm_sev_launch_start { handle, policy, ..kvm_sev_launch_start::default() };
        LaunchStart { raw, dh_cert, session }
    }

    /// Returns the guest handle that the firmware assigned.
    pub fn handle(&self) -> u32 {
        self.raw.handle
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.dh_uaddr, self.raw.dh_len) = input(self.dh_cert)?;
        (self.raw.session_uaddr, self.raw.session_len) = input(self.session)?;
        Ok(())
    }
}

kvm_command_with_payload!(LaunchStart<'a> = KVM_SEV_LAUNCH_START, kvm_sev_launch_start);

/// Memory that the firmware writes in place: a borrowed slice, or a range of guest memory.
#[derive(Debug)]
enum InPlace<'a> {
    Slice(&'a mut [u8]),
    Guest { memory: &'a GuestMemory, offset: usize, count: usize },
}

impl InPlace<'_> {
    /// Returns the address and length fields for this memory, after checking that a guest
    /// range lies inside its memory.
    fn fields(&mut self) -> Result<(u64, u32), SevError> {
        match self {
            InPlace::Slice(slice) => output(Some(&mut **slice)),
            InPlace::Guest { memory, offset, count } => {
                let address = memory.host_range(*offset, *count).map_err(SevError::Os)?;
                let count = u32::try_from(*count).map_err(|_| {
                    SevError::Os(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("a guest range of {count} bytes does not fit a 32-bit length field"),
                    ))
                })?;
                Ok((address, count))
            }
        }
    }
}

/// `KVM_SEV_LAUNCH_UPDATE_DATA`: encrypts guest memory in place with the guest's key and
/// adds it to the launch measurement.
#[derive(Debug)]
pub struct LaunchUpdateData<'a> {
    raw: kvm_sev_launch_update_data,
    memory: InPlace<'a>,
}

impl<'a> LaunchUpdateData<'a> {
    /// Encrypts `memory`, which the guest's memory slots must map.
    pub fn new(memory: &'a mut [u8]) -> LaunchUpdateData<'a> {
        LaunchUpdateData { raw: kvm_sev_launch_update_data::default(), memory: InPlace::Slice(memory) }
    }

    /// Encrypts `count` bytes of `memory` from `offset`, such as the memory of a
    /// [`MemoryRegion`](crate::kvm::MemoryRegion). A range outside the memory fails with
    /// [`SevError::Os`] of kind `InvalidInput` before the call.
    pub fn guest(memory: &'a GuestMemory, offset: usize, count: usize) -> LaunchUpdateData<'a> {
        let memory = InPlace::Guest { memory, offset, count };
        LaunchUpdateData { raw: kvm_sev_launch_update_data::default(), memory }
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.uaddr, self.raw.len) = self.memory.fields()?;
        Ok(())
    }
}

kvm_command_with_payload!(LaunchUpdateData<'a> = KVM_SEV_LAUNCH_UPDATE_DATA, kvm_sev_launch_update_data);

/// `KVM_SEV_LAUNCH_SECRET`: injects a secret from the guest owner into guest memory.
#[derive(Debug)]
pub struct LaunchSecret<'a> {
    raw: kvm_sev_launch_secret,
    header: &'a [u8],
    guest: InPlace<'a>,
    transport: &'a [u8],
}

impl<'a> LaunchSecret<'a> {
    /// Injects the secret that `header` and `transport` carry into `guest`.
    pub fn new(header: &'a [u8], guest: &'a mut [u8], transport: &'a [u8]) -> LaunchSecret<'a> {
        LaunchSecret { raw: kvm_sev_launch_secret::default(), header, guest: InPlace::Slice(guest), transport }
    }

    /// Injects the secret into `count` bytes of `memory` from `offset`, such as the memory
    /// of a [`MemoryRegion`](crate::kvm::MemoryRegion).
    pub fn guest(
        header: &'a [u8],
        memory: &'a GuestMemory,
        offset: usize,
        count: usize,
        transport: &'a [u8],
    ) -> LaunchSecret<'a> {
        let guest = InPlace::Guest { memory, offset, count };
        LaunchSecret { raw: kvm_sev_launch_secret::default(), header, guest, transport }
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.hdr_uaddr, self.raw.hdr_len) = input(Some(self.header))?;
        (self.raw.guest_uaddr, self.raw.guest_len) = self.guest.fields()?;
        (self.raw.trans_uaddr, self.raw.trans_len) = input(Some(self.transport))?;
        Ok(())
    }
}

kvm_command_with_payload!(LaunchSecret<'a> = KVM_SEV_LAUNCH_SECRET, kvm_sev_launch_secret);

/// `KVM_SEV_LAUNCH_MEASURE`: reads the launch measurement into a borrowed buffer, or with
/// [`query`](Self::query) only its length.
#[derive(Debug)]
pub struct LaunchMeasure<'a> {
    raw: kvm_sev_launch_measure,
    buffer: Option<&'a mut [u8]>,
}

impl<'a> LaunchMeasure<'a> {
    /// Asks only for the measurement's length.
    pub fn query() -> LaunchMeasure<'static> {
        LaunchMeasure { raw: kvm_sev_launch_measure::default(), buffer: None }
    }

    /// Reads the measurement into `buffer`.
    pub fn new(buffer: &'a mut [u8]) -> LaunchMeasure<'a> {
        LaunchMeasure { raw: kvm_sev_launch_measure::default(), buffer: Some(buffer) }
    }

    /// Returns the measurement's length that the kernel reported in the last call.
    pub fn length(&self) -> u32 {
        self.raw.len
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.uaddr, self.raw.len) = output(self.buffer.as_deref_mut())?;
        Ok(())
    }
}

kvm_command_with_payload!(LaunchMeasure<'a> = KVM_SEV_LAUNCH_MEASURE, kvm_sev_launch_measure);

/// `KVM_SEV_GUEST_STATUS`: reads the guest's handle, policy and state.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuestStatus {
    raw: kvm_sev_guest_status,
}

impl GuestStatus {
    /// Returns the status that the kernel wrote in the last call.
    pub fn status(&self) -> kvm_sev_guest_status {
        self.raw
    }
}

impl sealed::Sealed for GuestStatus {}

// SAFETY: the payload holds no addresses, and `prepare` returns the address of `raw`,
// a `kvm_sev_guest_status` inside `self`.
unsafe impl KvmSevCommand for GuestStatus {
    const ID: u32 = KVM_SEV_GUEST_STATUS;
    const NAME: &'static str = "KVM_SEV_GUEST_STATUS";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<kvm_sev_guest_status>());

    fn prepare(&mut self) -> Result<u64, SevError> {
        Ok(core::ptr::addr_of_mut!(self.raw) as u64)
    }
}

/// `KVM_SEV_GET_ATTESTATION_REPORT`: reads an attestation report bound to `mnonce` into
/// a borrowed buffer, or with [`query`](Self::query) only its length.
#[derive(Debug)]
pub struct GetAttestationReport<'a> {
    raw: kvm_sev_attestation_report,
    buffer: Option<&'a mut [u8]>,
}

impl<'a> GetAttestationReport<'a> {
    /// Asks only for the report's length.
    pub fn query(mnonce: [u8; 16]) -> GetAttestationReport<'static> {
        GetAttestationReport { raw: kvm_sev_attestation_report { mnonce, ..Default::default() }, buffer: None }
    }

    /// Reads the report for `mnonce` into `buffer`.
    pub fn new(mnonce: [u8; 16], buffer: &'a mut [u8]) -> GetAttestationReport<'a> {
        GetAttestationReport { raw: kvm_sev_attestation_report { mnonce, ..Default::default() }, buffer: Some(buffer) }
    }

    /// Returns the report's length that the kernel reported in the last call.
    pub fn length(&self) -> u32 {
        self.raw.len
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.uaddr, self.raw.len) = output(self.buffer.as_deref_mut())?;
        Ok(())
    }
}

kvm_command_with_payload!(GetAttestationReport<'a> = KVM_SEV_GET_ATTESTATION_REPORT, kvm_sev_attestation_report);

/// Returns the table entry of command `C`.
pub(crate) const fn entry<C: KvmSevCommand>() -> SubCommand {
    SubCommand {
        name: C::NAME,
        id: C::ID,
        carrier: "KVM_MEMORY_ENCRYPT_OP",
        carrier_request: KVM_MEMORY_ENCRYPT_OP.request(),
        payload: match C::PAYLOAD {
            Some(layout) => Some(layout.name),
            None => None,
        },
    }
}
