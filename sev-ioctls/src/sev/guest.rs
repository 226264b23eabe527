//! The SEV-SNP guest device `/dev/sev-guest` of `linux/sev-guest.h`, for code running
//! inside a confidential guest: attestation reports and derived keys.
//!
//! Each ioctl takes a `snp_guest_request_ioctl` whose `req_data` and `resp_data` are the
//! addresses of the request and response structs, so the ioctls are private and the
//! methods of [`SevGuest`] fill those addresses from borrows of the right types.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types)]

use std::fmt;
use std::io;

use ioctl_core::{ioctl, AnyBitPattern, StructLayout};

use crate::kvm::zeroed_default;
use crate::tables::c_constants;

ioctl! {
    // SAFETY: every declaration below matches `linux/sev-guest.h` of Linux 6.1; the header
    // test compares each number and payload layout. The kernel reads the request struct
    // at `req_data`, writes the response struct at `resp_data` and writes the payload back
    // with the error codes; for SNP_GET_EXT_REPORT it also writes `certs_len` into the
    // request and at most `certs_len` bytes to `certs_address`. The wrappers below pass
    // borrows of those types and lengths.
    unsafe {
        group b'S';

        /// The ioctls of this file.
        pub table SNP_GUEST_IOCTLS;

        /// The SEV-SNP guest device `/dev/sev-guest`, inside a confidential guest.
        pub fd SevGuest = "/dev/sev-guest";

        /// Requests an attestation report (`snp_report_req` in, `snp_report_resp` out).
        pub(crate) readwrite SNP_GET_REPORT = 0x00 => snp_guest_request_ioctl on SevGuest -> zero;
        /// Requests a key derived from a root key (`snp_derived_key_req` in,
        /// `snp_derived_key_resp` out).
        pub(crate) readwrite SNP_GET_DERIVED_KEY = 0x01 => snp_guest_request_ioctl on SevGuest -> zero;
        /// Requests an attestation report with the host's certificates
        /// (`snp_ext_report_req` in, `snp_report_resp` out).
        pub(crate) readwrite SNP_GET_EXT_REPORT = 0x02 => snp_guest_request_ioctl on SevGuest -> zero;
    }
}

c_constants! {
    /// Every constant of this module as `(C name, value)`, for header checks.
    pub SNP_GUEST_CONSTANTS:

    /// The shift of the VMM error in `exitinfo2`.
    SNP_GUEST_VMM_ERR_SHIFT: u32 = 32;
    /// VMM error: the certificate buffer is too small; `certs_len` holds the size needed.
    SNP_GUEST_VMM_ERR_INVALID_LEN: u32 = 1;
    /// VMM error: the host was busy; try again.
    SNP_GUEST_VMM_ERR_BUSY: u32 = 2;
}

/// `struct snp_report_req`: user data to bind into a report and the VMPL to report.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct snp_report_req {
    /// Data that the report includes, such as a nonce or a public key's hash.
    pub user_data: [u8; 64],
    /// The VMPL to report.
    pub vmpl: u32,
    /// Reserved; must be zero.
    pub rsvd: [u8; 28],
}

/// `struct snp_report_resp`: the firmware's response, laid out as the SEV-SNP firmware
/// ABI specification describes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct snp_report_resp {
    /// The response message.
    pub data: [u8; 4000],
}

/// `struct snp_derived_key_req`: the parameters of a derived key.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct snp_derived_key_req {
    pub root_key_select: u32,
    pub rsvd: u32,
    pub guest_field_select: u64,
    pub vmpl: u32,
    pub guest_svn: u32,
    pub tcb_version: u64,
}

/// `struct snp_derived_key_resp`: the firmware's response with the derived key.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct snp_derived_key_resp {
    /// The response message.
    pub data: [u8; 64],
}

/// `struct snp_guest_request_ioctl`, the payload of the three ioctls. C's last field is a
/// union of `exitinfo2` and `{ fw_error, vmm_error }`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct snp_guest_request_ioctl {
    /// The message version; must not be 0.
    pub msg_version: u8,
    /// The address of the request struct.
    pub req_data: u64,
    /// The address of the response struct.
    pub resp_data: u64,
    /// The firmware error (bits 31:0) and the VMM error (bits 63:32).
    pub exitinfo2: u64,
}

/// `struct snp_ext_report_req`: a report request with a buffer for the host's
/// certificates.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct snp_ext_report_req {
    /// The report request.
    pub data: snp_report_req,
    /// The address of the certificate buffer.
    pub certs_address: u64,
    /// The certificate buffer's length, a multiple of 4096; on
    /// `SNP_GUEST_VMM_ERR_INVALID_LEN` the kernel writes the length needed.
    pub certs_len: u32,
}

zeroed_default!(snp_report_req, snp_report_resp, snp_derived_key_resp, snp_ext_report_req);

/// A failed guest request: the ioctl's error with the firmware and VMM errors of
/// `exitinfo2`.
#[derive(Debug)]
pub struct GuestRequestError {
    /// The ioctl's error.
    pub os: io::Error,
    /// The raw `exitinfo2`.
    pub exitinfo2: u64,
    /// For `SNP_GET_EXT_REPORT` with `SNP_GUEST_VMM_ERR_INVALID_LEN`: the certificate
    /// buffer length needed.
    pub certs_len_needed: Option<u32>,
}

impl GuestRequestError {
    /// Returns the firmware error (bits 31:0 of `exitinfo2`).
    pub fn firmware_error(&self) -> u32 {
        self.exitinfo2 as u32
    }

    /// Returns the VMM error (bits 63:32 of `exitinfo2`), such as
    /// [`SNP_GUEST_VMM_ERR_INVALID_LEN`].
    pub fn vmm_error(&self) -> u32 {
        (self.exitinfo2 >> SNP_GUEST_VMM_ERR_SHIFT) as u32
    }
}

impl fmt::Display for GuestRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SEV-SNP guest request failed: {} (firmware error {:#x}, VMM error {:#x})",
            self.os,
            self.firmware_error(),
            self.vmm_error()
        )
    }
}

impl std::error::Error for GuestRequestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.os)
    }
}

fn request_error(os: io::Error, payload: &snp_guest_request_ioctl) -> GuestRequestError {
    GuestRequestError { os, exitinfo2: payload.exitinfo2, certs_len_needed: None }
}

impl SevGuest {
    /// Requests an attestation report for `request` (`SNP_GET_REPORT`).
    pub fn get_report(&self, msg_version: u8, request: &snp_report_req) -> Result<Box<snp_report_resp>, GuestRequestError> {
        let mut response = Box::<snp_report_resp>::default();
        let mut payload = snp_guest_request_ioctl {
            msg_version,
            req_data: core::ptr::from_ref(request) as u64,
            resp_data: core::ptr::from_mut(&mut *response) as u64,
            exitinfo2: 0,
        };
        // The kernel reads one `snp_report_req` from `request` and writes one
        // `snp_report_resp` into `response`, both borrowed for the call.
        SNP_GET_REPORT.call(self, &mut payload).map_err(|os| request_error(os, &payload))?;
        Ok(response)
    }

    /// Requests a derived key for `request` (`SNP_GET_DERIVED_KEY`).
    pub fn get_derived_key(
        &self,
        msg_version: u8,
        request: &snp_derived_key_req,
    ) -> Result<snp_derived_key_resp, GuestRequestError> {
        let mut response = snp_derived_key_resp::default();
        let mut payload = snp_guest_request_ioctl {
            msg_version,
            req_data: core::ptr::from_ref(request) as u64,
            resp_data: core::ptr::addr_of_mut!(response) as u64,
            exitinfo2: 0,
        };
        // The kernel reads one `snp_derived_key_req` from `request` and writes one
        // `snp_derived_key_resp` into `response`, both borrowed for the call.
        SNP_GET_DERIVED_KEY.call(self, &mut payload).map_err(|os| request_error(os, &payload))?;
        Ok(response)
    }

    /// Requests an attestation report for `request` with the host's certificates in
    /// `certs`, whose length must be a multiple of 4096 (`SNP_GET_EXT_REPORT`). Without
    /// `certs` the host's certificates are not requested.
    ///
    /// When `certs` is too small, the error's `certs_len_needed` holds the length needed.
    pub fn get_ext_report(
        &self,
        msg_version: u8,
        request: &snp_report_req,
        certs: Option<&mut [u8]>,
    ) -> Result<Box<snp_report_resp>, GuestRequestError> {
        let (certs_address, certs_len) = match certs {
            Some(buffer) => {
                let len = u32::try_from(buffer.len()).map_err(|_| GuestRequestError {
                    os: io::Error::new(io::ErrorKind::InvalidInput, "the certificate buffer is larger than 4 GiB"),
                    exitinfo2: 0,
                    certs_len_needed: None,
                })?;
                (buffer.as_mut_ptr() as u64, len)
            }
            None => (0, 0),
        };
        let mut ext_request = snp_ext_report_req { data: *request, certs_address, certs_len };
        let mut response = Box::<snp_report_resp>::default();
        let mut payload = snp_guest_request_ioctl {
            msg_version,
            req_data: core::ptr::addr_of_mut!(ext_request) as u64,
            resp_data: core::ptr::from_mut(&mut *response) as u64,
            exitinfo2: 0,
        };
        // The kernel reads and may write back one `snp_ext_report_req` at `ext_request`,
        // writes one `snp_report_resp` into `response` and at most `certs_len` bytes to
        // `certs`, which is exclusively borrowed for the call.
        match SNP_GET_EXT_REPORT.call(self, &mut payload) {
            Ok(()) => Ok(response),
            Err(os) => {
                let mut error = request_error(os, &payload);
                if error.vmm_error() == SNP_GUEST_VMM_ERR_INVALID_LEN {
                    error.certs_len_needed = Some(ext_request.certs_len);
                }
                Err(error)
            }
        }
    }
}
