//! Payload structs of the `KVM_SEV_*` commands of `linux/kvm.h` (Linux 6.1), named as in
//! C.
//!
//! The `*_uaddr` fields are addresses that the kernel reads or writes; the command types
//! of [`launch`](super::launch) and [`migrate`](super::migrate) fill them from borrows on
//! every call, so these structs are never sent as they are.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types, missing_docs)]

use ioctl_core::{AnyBitPattern, StructLayout};

/// `struct kvm_sev_launch_start`, the payload of `KVM_SEV_LAUNCH_START`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_launch_start {
    pub handle: u32,
    pub policy: u32,
    pub dh_uaddr: u64,
    pub dh_len: u32,
    pub session_uaddr: u64,
    pub session_len: u32,
}

/// `struct kvm_sev_launch_update_data`, the payload of `KVM_SEV_LAUNCH_UPDATE_DATA`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_launch_update_data {
    pub uaddr: u64,
    pub len: u32,
}

/// `struct kvm_sev_launch_secret`, the payload of `KVM_SEV_LAUNCH_SECRET`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_launch_secret {
    pub hdr_uaddr: u64,
    pub hdr_len: u32,
    pub guest_uaddr: u64,
    pub guest_len: u32,
    pub trans_uaddr: u64,
    pub trans_len: u32,
}

/// `struct kvm_sev_launch_measure`, the payload of `KVM_SEV_LAUNCH_MEASURE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_launch_measure {
    pub uaddr: u64,
    pub len: u32,
}

/// `struct kvm_sev_guest_status`, the output of `KVM_SEV_GUEST_STATUS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_guest_status {
    pub handle: u32,
    pub policy: u32,
    pub state: u32,
}

/// `struct kvm_sev_dbg`, the payload of `KVM_SEV_DBG_DECRYPT` and `KVM_SEV_DBG_ENCRYPT`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_dbg {
    pub src_uaddr: u64,
    pub dst_uaddr: u64,
    pub len: u32,
}

/// `struct kvm_sev_attestation_report`, the payload of `KVM_SEV_GET_ATTESTATION_REPORT`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_attestation_report {
    pub mnonce: [u8; 16],
    pub uaddr: u64,
    pub len: u32,
}

/// `struct kvm_sev_send_start`, the payload of `KVM_SEV_SEND_START`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_send_start {
    pub policy: u32,
    pub pdh_cert_uaddr: u64,
    pub pdh_cert_len: u32,
    pub plat_certs_uaddr: u64,
    pub plat_certs_len: u32,
    pub amd_certs_uaddr: u64,
    pub amd_certs_len: u32,
    pub session_uaddr: u64,
    pub session_len: u32,
}

/// `struct kvm_sev_send_update_data`, the payload of `KVM_SEV_SEND_UPDATE_DATA`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_send_update_data {
    pub hdr_uaddr: u64,
    pub hdr_len: u32,
    pub guest_uaddr: u64,
    pub guest_len: u32,
    pub trans_uaddr: u64,
    pub trans_len: u32,
}

/// `struct kvm_sev_receive_start`, the payload of `KVM_SEV_RECEIVE_START`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_receive_start {
    pub handle: u32,
    pub policy: u32,
    pub pdh_uaddr: u64,
    pub pdh_len: u32,
    pub session_uaddr: u64,
    pub session_len: u32,
}

/// `struct kvm_sev_receive_update_data`, the payload of `KVM_SEV_RECEIVE_UPDATE_DATA`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_receive_update_data {
    pub hdr_uaddr: u64,
    pub hdr_len: u32,
    pub guest_uaddr: u64,
    pub guest_len: u32,
    pub trans_uaddr: u64,
    pub trans_len: u32,
}
