//! Payload structs of the `SEV_ISSUE_CMD` commands of `linux/psp-sev.h` (Linux 6.1),
//! named as in C and packed as the header packs them.
//!
//! The address fields are filled by the command types of [`firmware`](super::firmware)
//! from borrows on every call, so these structs are never sent as they are.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types)]

use ioctl_core::{AnyBitPattern, StructLayout};

use crate::kvm::zeroed_default;
use crate::tables::c_constants;

c_constants! {
    /// Every constant of this module as `(C name, value)`, for header checks.
    pub SEV_CONSTANTS:

    /// `sev_user_data_status.flags`: SEV-ES is enabled.
    SEV_STATUS_FLAGS_CONFIG_ES: u32 = 0x0100;
}

/// `struct sev_issue_cmd` (packed), the payload of `SEV_ISSUE_CMD`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_issue_cmd {
    /// The command id (`SEV_*`).
    pub cmd: u32,
    /// The address of the command's payload, or 0.
    pub data: u64,
    /// The firmware status (`SEV_RET_*`), written by the kernel.
    pub error: u32,
}

/// `struct sev_user_data_status` (packed), the output of `SEV_PLATFORM_STATUS`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_user_data_status {
    /// The major API version.
    pub api_major: u8,
    /// The minor API version.
    pub api_minor: u8,
    /// The platform state: 0 uninitialized, 1 initialized, 2 working.
    pub state: u8,
    /// Platform flags: bit 0 owner, `SEV_STATUS_FLAGS_CONFIG_ES` (bit 8) SEV-ES enabled.
    pub flags: u32,
    /// The firmware build id.
    pub build: u8,
    /// The number of active guests.
    pub guest_count: u32,
}

/// `struct sev_user_data_pek_csr` (packed), the payload of `SEV_PEK_CSR`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct sev_user_data_pek_csr {
    pub address: u64,
    pub length: u32,
}

/// `struct sev_user_data_pek_cert_import` (packed), the payload of `SEV_PEK_CERT_IMPORT`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct sev_user_data_pek_cert_import {
    pub pek_cert_address: u64,
    pub pek_cert_len: u32,
    pub oca_cert_address: u64,
    pub oca_cert_len: u32,
}

/// `struct sev_user_data_pdh_cert_export` (packed), the payload of `SEV_PDH_CERT_EXPORT`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct sev_user_data_pdh_cert_export {
    pub pdh_cert_address: u64,
    pub pdh_cert_len: u32,
    pub cert_chain_address: u64,
    pub cert_chain_len: u32,
}

/// `struct sev_user_data_get_id` (packed), the output of the deprecated `SEV_GET_ID`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_user_data_get_id {
    /// The unique id of the first socket.
    pub socket1: [u8; 64],
    /// The unique id of the second socket.
    pub socket2: [u8; 64],
}

/// `struct sev_user_data_get_id2` (packed), the payload of `SEV_GET_ID2`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct sev_user_data_get_id2 {
    pub address: u64,
    pub length: u32,
}

zeroed_default!(sev_user_data_get_id);
