//! The `KVM_SEV_*` migration commands of `KVM_MEMORY_ENCRYPT_OP`: sending a guest's
//! encrypted memory to another host and receiving it there.
//!
//! Like the launch commands, each command holds the borrows of its buffers and fills the
//! payload's addresses from them before every call. For the send commands, KVM answers a
//! zero session, header or transport length with the lengths it needs (a query), and
//! otherwise copies at most the lengths given.

use ioctl_core::TypeLayout;

use super::kvm_types::*;
use super::launch::{kvm_command_with_payload, kvm_command_without_payload, KvmSevCommand};
use super::{input, output, sealed, SevError};

/// `KVM_SEV_SEND_START`.
pub const KVM_SEV_SEND_START: u32 = 8;
/// `KVM_SEV_SEND_UPDATE_DATA`.
pub const KVM_SEV_SEND_UPDATE_DATA: u32 = 9;
/// `KVM_SEV_SEND_UPDATE_VMSA`.
pub const KVM_SEV_SEND_UPDATE_VMSA: u32 = 10;
/// `KVM_SEV_SEND_FINISH`.
pub const KVM_SEV_SEND_FINISH: u32 = 11;
/// `KVM_SEV_RECEIVE_START`.
pub const KVM_SEV_RECEIVE_START: u32 = 12;
/// `KVM_SEV_RECEIVE_UPDATE_DATA`.
pub const KVM_SEV_RECEIVE_UPDATE_DATA: u32 = 13;
/// `KVM_SEV_RECEIVE_UPDATE_VMSA`.
pub const KVM_SEV_RECEIVE_UPDATE_VMSA: u32 = 14;
/// `KVM_SEV_RECEIVE_FINISH`.
pub const KVM_SEV_RECEIVE_FINISH: u32 = 15;
/// `KVM_SEV_SEND_CANCEL`.
pub const KVM_SEV_SEND_CANCEL: u32 = 21;

kvm_command_without_payload! {
    /// `KVM_SEV_SEND_UPDATE_VMSA`: an id of `linux/kvm.h` that Linux 6.1 KVM has no handler
    /// for; it fails with EINVAL.
    SendUpdateVmsa = KVM_SEV_SEND_UPDATE_VMSA;
}

kvm_command_without_payload! {
    /// `KVM_SEV_SEND_FINISH`: ends an outgoing migration.
    SendFinish = KVM_SEV_SEND_FINISH;
}

kvm_command_without_payload! {
    /// `KVM_SEV_SEND_CANCEL`: cancels an outgoing migration.
    SendCancel = KVM_SEV_SEND_CANCEL;
}

kvm_command_without_payload! {
    /// `KVM_SEV_RECEIVE_UPDATE_VMSA`: an id of `linux/kvm.h` that Linux 6.1 KVM has no
    /// handler for; it fails with EINVAL.
    ReceiveUpdateVmsa = KVM_SEV_RECEIVE_UPDATE_VMSA;
}

kvm_command_without_payload! {
    /// `KVM_SEV_RECEIVE_FINISH`: ends an incoming migration; the guest can run.
    ReceiveFinish = KVM_SEV_RECEIVE_FINISH;
}

/// `KVM_SEV_SEND_START`: starts an outgoing migration to the platform whose certificates
/// are given, and writes the session blob into a borrowed buffer; without a session
/// buffer it asks only for the session's length.
#[derive(Debug)]
pub struct SendStart<'a> {
    raw: kvm_sev_send_start,
    pdh_cert: &'a [u8],
    platform_certs: &'a [u8],
    amd_certs: &'a [u8],
    session: Option<&'a mut [u8]>,
}

impl<'a> SendStart<'a> {
    /// Starts a migration to the platform of `pdh_cert`, `platform_certs` and `amd_certs`,
    /// writing the session blob into `session` (`None` asks for its length).
    pub fn new(
        pdh_cert: &'a [u8],
        platform_certs: &'a [u8],
        amd_certs: &'a [u8],
        session: Option<&'a mut [u8]>,
    ) -> SendStart<'a> {
        SendStart { raw: kvm_sev_send_start::default(), pdh_cert, platform_certs, amd_certs, session }
    }

    /// Returns the guest policy that the kernel reported in the last call.
    pub fn policy(&self) -> u32 {
        self.raw.policy
    }

    /// Returns the session blob's length that the kernel reported in the last call.
    pub fn session_length(&self) -> u32 {
        self.raw.session_len
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.pdh_cert_uaddr, self.raw.pdh_cert_len) = input(Some(self.pdh_cert))?;
        (self.raw.plat_certs_uaddr, self.raw.plat_certs_len) = input(Some(self.platform_certs))?;
        (self.raw.amd_certs_uaddr, self.raw.amd_certs_len) = input(Some(self.amd_certs))?;
        (self.raw.session_uaddr, self.raw.session_len) = output(self.session.as_deref_mut())?;
        Ok(())
    }
}

kvm_command_with_payload!(SendStart<'a> = KVM_SEV_SEND_START, kvm_sev_send_start);

/// `KVM_SEV_SEND_UPDATE_DATA`: encrypts guest memory for transport, writing the packet
/// header and the transport data into borrowed buffers; without them it asks only for
/// their lengths.
#[derive(Debug)]
pub struct SendUpdateData<'a> {
    raw: kvm_sev_send_update_data,
    guest: &'a [u8],
    outputs: Option<(&'a mut [u8], &'a mut [u8])>,
}

impl<'a> SendUpdateData<'a> {
    /// Asks for the header and transport lengths that sending `guest` needs.
    pub fn query(guest: &'a [u8]) -> SendUpdateData<'a> {
        SendUpdateData { raw: kvm_sev_send_update_data::default(), guest, outputs: None }
    }

    /// Sends `guest`, at most one page that does not cross a page boundary, writing the
    /// packet header into `header` and the encrypted data into `transport`.
    pub fn new(guest: &'a [u8], header: &'a mut [u8], transport: &'a mut [u8]) -> SendUpdateData<'a> {
        SendUpdateData { raw: kvm_sev_send_update_data::default(), guest, outputs: Some((header, transport)) }
    }

    /// Returns the header's length that the kernel reported in the last call.
    pub fn header_length(&self) -> u32 {
        self.raw.hdr_len
    }

    /// Returns the transport data's length that the kernel reported in the last call.
    pub fn transport_length(&self) -> u32 {
        self.raw.trans_len
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.guest_uaddr, self.raw.guest_len) = input(Some(self.guest))?;
        let (header, transport) = match self.outputs.as_mut() {
            Some((header, transport)) => (Some(&mut **header), Some(&mut **transport)),
            None => (None, None),
        };
        (self.raw.hdr_uaddr, self.raw.hdr_len) = output(header)?;
        (self.raw.trans_uaddr, self.raw.trans_len) = output(transport)?;
        Ok(())
    }
}

kvm_command_with_payload!(SendUpdateData<'a> = KVM_SEV_SEND_UPDATE_DATA, kvm_sev_send_update_data);

/// `KVM_SEV_RECEIVE_START`: starts an incoming migration from the sender's PDH
/// certificate and session blob.
#[derive(Debug)]
pub struct ReceiveStart<'a> {
    raw: kvm_sev_receive_start,
    pdh: &'a [u8],
    session: &'a [u8],
}

impl<'a> ReceiveStart<'a> {
    /// Starts receiving a guest with `policy` from the sender's `pdh` and `session`;
    /// `handle` is 0 for a new context.
    pub fn new(handle: u32, policy: u32, pdh: &'a [u8], session: &'a [u8]) -> ReceiveStart<'a> {
        let raw = kvm_sev_receive_start { handle, policy, ..kvm_sev_receive_start::default() };
        ReceiveStart { raw, pdh, session }
    }

    /// Returns the guest handle that the firmware assigned.
    pub fn handle(&self) -> u32 {
        self.raw.handle
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.pdh_uaddr, self.raw.pdh_len) = input(Some(self.pdh))?;
        (self.raw.session_uaddr, self.raw.session_len) = input(Some(self.session))?;
        Ok(())
    }
}

kvm_command_with_payload!(ReceiveStart<'a> = KVM_SEV_RECEIVE_START, kvm_sev_receive_start);

/// `KVM_SEV_RECEIVE_UPDATE_DATA`: decrypts a received packet and writes it into guest
/// memory re-encrypted with the guest's key.
#[derive(Debug)]
pub struct ReceiveUpdateData<'a> {
    raw: kvm_sev_receive_update_data,
    header: &'a [u8],
    guest: &'a mut [u8],
    transport: &'a [u8],
}

impl<'a> ReceiveUpdateData<'a> {
    /// Writes the packet of `header` and `transport` into `guest`, at most one page that
    /// does not cross a page boundary.
    pub fn new(header: &'a [u8], guest: &'a mut [u8], transport: &'a [u8]) -> ReceiveUpdateData<'a> {
        ReceiveUpdateData { raw: kvm_sev_receive_update_data::default(), header, guest, transport }
    }

    fn fill(&mut self) -> Result<(), SevError> {
        (self.raw.hdr_uaddr, self.raw.hdr_len) = input(Some(self.header))?;
        (self.raw.guest_uaddr, self.raw.guest_len) = output(Some(&mut *self.guest))?;
        (self.raw.trans_uaddr, self.raw.trans_len) = input(Some(self.transport))?;
        Ok(())
    }
}

kvm_command_with_payload!(ReceiveUpdateData<'a> = KVM_SEV_RECEIVE_UPDATE_DATA, kvm_sev_receive_update_data);
