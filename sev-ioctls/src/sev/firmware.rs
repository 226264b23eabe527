//! The SEV firmware device `/dev/sev`: `SEV_ISSUE_CMD` and its platform commands.
//!
//! Each command is a type that implements [`FirmwareCommand`], which binds the command id
//! to its payload. Commands that pass buffers borrow them for the call and fill the
//! payload's address and length fields from the borrow on every call, so no address
//! reaches the kernel from anywhere else.
//!
//! For `SEV_PEK_CSR`, `SEV_PDH_CERT_EXPORT` and `SEV_GET_ID2` the kernel copies as many
//! bytes into the buffer as the firmware reports, even when that is more than the buffer
//! holds and the firmware fails with `SEV_RET_INVALID_LEN` (`sev_ioctl_do_pek_csr` and
//! its siblings in drivers/crypto/ccp/sev-dev.c). These commands therefore ask the
//! firmware for the length first and send the buffer only when it is large enough.

use ioctl_core::{ioctl, AnyBitPattern, TypeLayout};

use super::psp_types::*;
use super::{decode_status, len_u32, sealed, FirmwareStatus, SevError};
use crate::tables::SubCommand;

ioctl! {
    // SAFETY: the declaration matches `linux/psp-sev.h` of Linux 6.1
    // (`#define SEV_ISSUE_CMD _IOWR(SEV_IOC_TYPE, 0x0, struct sev_issue_cmd)`); the kernel
    // reads the packed 16-byte `sev_issue_cmd` and writes it back with the firmware
    // status, and the header test compares the number and layout. `data` is the address of
    // the command's payload, so the declaration is private and reached through
    // `Sev::issue`.
    unsafe {
        group b'S';

        /// The ioctls of this file.
        pub table SEV_IOCTLS;

        /// The SEV firmware device `/dev/sev` of an AMD host.
        pub fd Sev = "/dev/sev";

        /// Runs a platform command of the SEV firmware; `data` is the address of the
        /// command's payload.
        pub(crate) readwrite SEV_ISSUE_CMD = 0x00 => sev_issue_cmd on Sev -> zero;
    }
}

/// A platform command of `SEV_ISSUE_CMD`: the command id bound to its payload.
///
/// The trait is sealed: the commands of this crate are its only implementations.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a firmware command of `SEV_ISSUE_CMD`",
    label = "not a command type of `sev_ioctls::sev`",
    note = "pass a command type such as `PlatformStatus::default()`, which binds the command id to its payload"
)]
pub trait FirmwareCommand: sealed::Sealed {
    /// The command id (`SEV_*`).
    const ID: u32;
    /// The C name of the id.
    const NAME: &'static str;
    /// The payload's layout, or `None` for a command without one.
    const PAYLOAD: Option<TypeLayout>;

    /// Issues the command on `sev`; [`Sev::issue`] is the usual way to call it.
    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError>;
}

impl Sev {
    /// Issues a firmware command and decodes its status.
    pub fn issue<C: FirmwareCommand>(&self, command: &mut C) -> Result<(), SevError> {
        command.issue_on(self)
    }

    /// Issues command `id` with payload address `data`.
    ///
    /// # Safety
    ///
    /// `data` is 0 for a command without payload, or the address of command `id`'s C
    /// payload, readable and writable for the call; every address inside that payload is
    /// valid for what the kernel does with it, for the lengths that the payload states.
    pub(super) unsafe fn issue_raw(&self, id: u32, data: u64) -> Result<(), SevError> {
        let mut command = sev_issue_cmd { cmd: id, data, error: 0 };
        let result = SEV_ISSUE_CMD.call(self, &mut command);
        decode_status(result, command.error)
    }

    /// Returns the platform status (`SEV_PLATFORM_STATUS`).
    pub fn platform_status(&self) -> Result<sev_user_data_status, SevError> {
        let mut command = PlatformStatus::default();
        self.issue(&mut command)?;
        Ok(command.status)
    }

    /// Issues a length query of `id` with `payload` and returns the payload as the kernel
    /// wrote it back. `SEV_RET_INVALID_LEN` is the firmware's normal answer to a query.
    fn query<T: AnyBitPattern>(&self, id: u32, mut payload: T) -> Result<T, SevError> {
        // SAFETY: `payload` has no buffer addresses (they are 0), which makes the kernel
        // take its query path, and the kernel writes back at most `size_of::<T>()` bytes
        // of the command's own payload type, which is `T`.
        let result = unsafe { self.issue_raw(id, core::ptr::addr_of_mut!(payload) as u64) };
        match result {
            Ok(()) => Ok(payload),
            Err(SevError::Firmware { status: FirmwareStatus::InvalidLen, .. }) => Ok(payload),
            Err(error) => Err(error),
        }
    }
}

fn check_capacity(needed: u32, buffer: &[u8]) -> Result<(), SevError> {
    if buffer.len() < needed as usize {
        return Err(SevError::BufferTooSmall { needed: needed as usize, len: buffer.len() });
    }
    Ok(())
}

/// Declares a firmware command type without payload.
macro_rules! command_without_payload {
    ($(#[$doc:meta])* $name:ident = $id:ident;) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl FirmwareCommand for $name {
            const ID: u32 = $id;
            const NAME: &'static str = stringify!($id);
            const PAYLOAD: Option<TypeLayout> = None;

            fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
                // SAFETY: the command takes no payload, and the kernel ignores `data`.
                unsafe { sev.issue_raw(Self::ID, 0) }
            }
        }
    };
}

/// `SEV_FACTORY_RESET`: the command id that resets the platform's persistent state.
pub const SEV_FACTORY_RESET: u32 = 0;
/// `SEV_PLATFORM_STATUS`.
pub const SEV_PLATFORM_STATUS: u32 = 1;
/// `SEV_PEK_GEN`.
pub const SEV_PEK_GEN: u32 = 2;
/// `SEV_PEK_CSR`.
pub const SEV_PEK_CSR: u32 = 3;
/// `SEV_PDH_GEN`.
pub const SEV_PDH_GEN: u32 = 4;
/// `SEV_PDH_CERT_EXPORT`.
pub const SEV_PDH_CERT_EXPORT: u32 = 5;
/// `SEV_PEK_CERT_IMPORT`.
pub const SEV_PEK_CERT_IMPORT: u32 = 6;
/// `SEV_GET_ID`, which the header marks deprecated in favour of `SEV_GET_ID2`.
pub const SEV_GET_ID: u32 = 7;
/// `SEV_GET_ID2`.
pub const SEV_GET_ID2: u32 = 8;

command_without_payload! {
    /// `SEV_FACTORY_RESET`: resets the platform's persistent state. Needs `/dev/sev` open
    /// for writing, and fails with EBUSY while guests run.
    FactoryReset = SEV_FACTORY_RESET;
}

command_without_payload! {
    /// `SEV_PEK_GEN`: generates a new Platform Endorsement Key.
    PekGen = SEV_PEK_GEN;
}

command_without_payload! {
    /// `SEV_PDH_GEN`: generates a new Platform Diffie-Hellman key.
    PdhGen = SEV_PDH_GEN;
}

/// `SEV_PLATFORM_STATUS`: reads the platform status into [`status`](Self::status).
#[derive(Clone, Copy, Debug, Default)]
pub struct PlatformStatus {
    /// The status that the kernel wrote.
    pub status: sev_user_data_status,
}

impl sealed::Sealed for PlatformStatus {}

impl FirmwareCommand for PlatformStatus {
    const ID: u32 = SEV_PLATFORM_STATUS;
    const NAME: &'static str = "SEV_PLATFORM_STATUS";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_status>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        // SAFETY: the kernel writes one `sev_user_data_status` to `data`, which points to
        // `self.status`, exclusively borrowed for the call.
        unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(self.status) as u64) }
    }
}

/// `SEV_PEK_CSR`: exports a certificate signing request for the PEK into a borrowed
/// buffer, or with [`query`](Self::query) only its length.
#[derive(Debug)]
pub struct PekCsr<'a> {
    buffer: Option<&'a mut [u8]>,
    length: u32,
}

impl<'a> PekCsr<'a> {
    /// Asks only for the length of the CSR.
    pub fn query() -> PekCsr<'static> {
        PekCsr { buffer: None, length: 0 }
    }

    /// Exports the CSR into `buffer`.
    pub fn new(buffer: &'a mut [u8]) -> PekCsr<'a> {
        PekCsr { buffer: Some(buffer), length: 0 }
    }

    /// Returns the CSR's length that the firmware reported in the last call.
    pub fn length(&self) -> u32 {
        self.length
    }
}

impl sealed::Sealed for PekCsr<'_> {}

impl FirmwareCommand for PekCsr<'_> {
    const ID: u32 = SEV_PEK_CSR;
    const NAME: &'static str = "SEV_PEK_CSR";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_pek_csr>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        let needed = sev.query(Self::ID, sev_user_data_pek_csr::default())?.length;
        self.length = needed;
        let Some(buffer) = self.buffer.as_deref_mut() else { return Ok(()) };
        check_capacity(needed, buffer)?;

        let mut payload = sev_user_data_pek_csr { address: buffer.as_mut_ptr() as u64, length: len_u32(buffer)? };
        // SAFETY: the kernel writes at most the firmware's CSR length, `needed`, to
        // `address`, which points to `buffer`: exclusively borrowed for the call and at
        // least that long (checked above).
        let result = unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(payload) as u64) };
        self.length = payload.length;
        result
    }
}

/// `SEV_PDH_CERT_EXPORT`: exports the PDH certificate and the platform's certificate
/// chain into borrowed buffers, or with [`query`](Self::query) only their lengths.
#[derive(Debug)]
pub struct PdhCertExport<'a> {
    buffers: Option<(&'a mut [u8], &'a mut [u8])>,
    pdh_length: u32,
    chain_length: u32,
}

impl<'a> PdhCertExport<'a> {
    /// Asks only for the lengths of the certificate and the chain.
    pub fn query() -> PdhCertExport<'static> {
        PdhCertExport { buffers: None, pdh_length: 0, chain_length: 0 }
    }

    /// Exports the PDH certificate into `pdh` and the certificate chain into `chain`.
    pub fn new(pdh: &'a mut [u8], chain: &'a mut [u8]) -> PdhCertExport<'a> {
        PdhCertExport { buffers: Some((pdh, chain)), pdh_length: 0, chain_length: 0 }
    }

    /// Returns the PDH certificate's length that the firmware reported in the last call.
    pub fn pdh_length(&self) -> u32 {
        self.pdh_length
    }

    /// Returns the certificate chain's length that the firmware reported in the last call.
    pub fn chain_length(&self) -> u32 {
        self.chain_length
    }
}

impl sealed::Sealed for PdhCertExport<'_> {}

impl FirmwareCommand for PdhCertExport<'_> {
    const ID: u32 = SEV_PDH_CERT_EXPORT;
    const NAME: &'static str = "SEV_PDH_CERT_EXPORT";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_pdh_cert_export>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        let lengths = sev.query(Self::ID, sev_user_data_pdh_cert_export::default())?;
        self.pdh_length = lengths.pdh_cert_len;
        self.chain_length = lengths.cert_chain_len;
        let Some((pdh, chain)) = self.buffers.as_mut() else { return Ok(()) };
        check_capacity(lengths.pdh_cert_len, pdh)?;
        check_capacity(lengths.cert_chain_len, chain)?;

        let mut payload = sev_user_data_pdh_cert_export {
            pdh_cert_address: pdh.as_mut_ptr() as u64,
            pdh_cert_len: len_u32(pdh)?,
            cert_chain_address: chain.as_mut_ptr() as u64,
            cert_chain_len: len_u32(chain)?,
        };
        // SAFETY: the kernel writes at most the firmware's lengths to the two addresses,
        // which point to `pdh` and `chain`: exclusively borrowed for the call and at least
        // that long (checked above).
        let result = unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(payload) as u64) };
        self.pdh_length = payload.pdh_cert_len;
        self.chain_length = payload.cert_chain_len;
        result
    }
}

/// `SEV_PEK_CERT_IMPORT`: imports a signed PEK certificate and the owner's OCA
/// certificate from borrowed buffers.
#[derive(Clone, Copy, Debug)]
pub struct PekCertImport<'a> {
    /// The signed PEK certificate.
    pub pek: &'a [u8],
    /// The owner certificate authority's certificate.
    pub oca: &'a [u8],
}

impl sealed::Sealed for PekCertImport<'_> {}

impl FirmwareCommand for PekCertImport<'_> {
    const ID: u32 = SEV_PEK_CERT_IMPORT;
    const NAME: &'static str = "SEV_PEK_CERT_IMPORT";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_pek_cert_import>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        let mut payload = sev_user_data_pek_cert_import {
            pek_cert_address: self.pek.as_ptr() as u64,
            pek_cert_len: len_u32(self.pek)?,
            oca_cert_address: self.oca.as_ptr() as u64,
            oca_cert_len: len_u32(self.oca)?,
        };
        // SAFETY: the kernel reads the stated lengths from the two addresses, which point
        // to `pek` and `oca`, borrowed for the call.
        unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(payload) as u64) }
    }
}

/// `SEV_GET_ID` (deprecated): reads the unique ids of up to two sockets into
/// [`id`](Self::id).
#[derive(Clone, Copy, Debug, Default)]
pub struct GetId {
    /// The ids that the kernel wrote.
    pub id: sev_user_data_get_id,
}

impl sealed::Sealed for GetId {}

impl FirmwareCommand for GetId {
    const ID: u32 = SEV_GET_ID;
    const NAME: &'static str = "SEV_GET_ID";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_get_id>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        // SAFETY: on success the kernel writes at most one `sev_user_data_get_id` (128
        // bytes) to `data`, which points to `self.id`, exclusively borrowed for the call.
        unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(self.id) as u64) }
    }
}

/// `SEV_GET_ID2`: reads the platform's unique id into a borrowed buffer, or with
/// [`query`](Self::query) only its length.
#[derive(Debug)]
pub struct GetId2<'a> {
    buffer: Option<&'a mut [u8]>,
    length: u32,
}

impl<'a> GetId2<'a> {
    /// Asks only for the length of the id.
    pub fn query() -> GetId2<'static> {
        GetId2 { buffer: None, length: 0 }
    }

    /// Reads the id into `buffer`.
    pub fn new(buffer: &'a mut [u8]) -> GetId2<'a> {
        GetId2 { buffer: Some(buffer), length: 0 }
    }

    /// Returns the id's length that the firmware reported in the last call.
    pub fn length(&self) -> u32 {
        self.length
    }
}

impl sealed::Sealed for GetId2<'_> {}

impl FirmwareCommand for GetId2<'_> {
    const ID: u32 = SEV_GET_ID2;
    const NAME: &'static str = "SEV_GET_ID2";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_get_id2>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        let needed = sev.query(Self::ID, sev_user_data_get_id2::default())?.length;
        self.length = needed;
        let Some(buffer) = self.buffer.as_deref_mut() else { return Ok(()) };
        check_capacity(needed, buffer)?;

        let mut payload = sev_user_data_get_id2 { address: buffer.as_mut_ptr() as u64, length: len_u32(buffer)? };
        // SAFETY: the kernel writes at most the firmware's id length, `needed`, to
        // `address`, which points to `buffer`: exclusively borrowed for the call and at
        // least that long (checked above).
        let result = unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(payload) as u64) };
        self.length = payload.length;
        result
    }
}

/// Returns the table entry of command `C`.
pub(super) const fn entry<C: FirmwareCommand>() -> SubCommand {
    SubCommand {
        name: C::NAME,
        id: C::ID,
        carrier: "SEV_ISSUE_CMD",
        carrier_request: SEV_ISSUE_CMD.request(),
        payload: match C::PAYLOAD {
            Some(layout) => Some(layout.name),
            None => None,
        },
    }
}

/// Every firmware command of `SEV_ISSUE_CMD` that the installed `psp-sev.h` defines.
pub const SEV_COMMANDS: &[SubCommand] = &[
    entry::<FactoryReset>(),
    entry::<PlatformStatus>(),
    entry::<PekGen>(),
    entry::<PekCsr<'static>>(),
    entry::<PdhGen>(),
    entry::<PdhCertExport<'static>>(),
    entry::<PekCertImport<'static>>(),
    entry::<GetId>(),
    entry::<GetId2<'static>>(),
];
