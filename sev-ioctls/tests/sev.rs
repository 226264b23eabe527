//! SEV: firmware status decoding, packed payload decoding, command binding and checks
//! that need no device, and the firmware and guest devices where they exist.

#![cfg(target_arch = "x86_64")]

mod common;

use std::io;
use std::mem::{offset_of, size_of};

use sev_ioctls::kvm::kvm_sev_cmd;
use sev_ioctls::sev::launch::{self, KVM_SEV_INIT, KVM_SEV_LAUNCH_START};
use sev_ioctls::sev::*;

/// Opens a device with `open`, or prints why it cannot and returns `None` so the test
/// can return.
fn open_device<T>(test: &str, path: &str, open: fn() -> io::Result<T>) -> Option<T> {
    match open() {
        Ok(device) => Some(device),
        Err(error) => {
            let reason = ioctl_core::OpenError::from_io(&error).map_or_else(|| error.to_string(), |open| open.os_error().to_string());
            if error.kind() == io::ErrorKind::NotFound {
                common::skip(format_args!("{test}: {path} is missing ({reason})"));
            } else {
                common::skip(format_args!("{test}: {path} cannot be opened ({reason})"));
            }
            None
        }
    }
}

fn open_sev(test: &str) -> Option<Sev> {
    open_device(test, "/dev/sev", Sev::open)
}

#[test]
fn status_firmware_error_keeps_errno() {
    let error = decode_status(Err(io::Error::from_raw_os_error(libc::EIO)), 1).unwrap_err();
    assert_eq!(error.status(), Some(FirmwareStatus::InvalidPlatformState));
    assert_eq!(error.raw_os_error(), Some(libc::EIO));
    assert!(matches!(error, SevError::Firmware { os: Some(_), .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("SEV_RET_INVALID_PLATFORM_STATE"), "{message}");
}

#[test]
fn status_zero_with_errno_is_os_error() {
    let error = decode_status(Err(io::Error::from_raw_os_error(libc::ENOTTY)), 0).unwrap_err();
    assert!(matches!(error, SevError::Os(_)), "{error:?}");
    assert_eq!(error.status(), None);
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
}

#[test]
fn status_nonzero_after_success_is_error() {
    let error = decode_status(Ok(()), 4).unwrap_err();
    assert_eq!(error.status(), Some(FirmwareStatus::InvalidLen));
    assert_eq!(error.raw_os_error(), None);
    assert!(matches!(error, SevError::Firmware { os: None, .. }), "{error:?}");
}

#[test]
fn status_zero_after_success_is_ok() {
    assert!(decode_status(Ok(()), 0).is_ok());
}

#[test]
fn status_codes_round_trip() {
    for (name, value) in SEV_STATUS_CONSTANTS.iter().chain(SEV_UNVERIFIED_STATUS_CONSTANTS) {
        let code = *value as u32;
        let status = FirmwareStatus::from_code(code);
        assert_eq!(status.code(), code, "{name}");
        assert_eq!(status.c_name(), Some(*name), "{code:#x}");
    }
    assert_eq!(FirmwareStatus::from_code(0x99), FirmwareStatus::Unknown(0x99));
    assert_eq!(FirmwareStatus::Unknown(0x99).c_name(), None);
    // The C header spells this code SEV_RET_INAVLID_CONFIG.
    assert_eq!(FirmwareStatus::from_code(3).c_name(), Some("SEV_RET_INAVLID_CONFIG"));
}

#[test]
fn sev_error_converts_to_io_error() {
    let error: io::Error = decode_status(Err(io::Error::from_raw_os_error(libc::EIO)), 1).unwrap_err().into();
    assert_eq!(error.kind(), io::ErrorKind::Other);
    let inner = error.get_ref().and_then(|inner| inner.downcast_ref::<SevError>()).expect("wraps the SevError");
    assert_eq!(inner.status(), Some(FirmwareStatus::InvalidPlatformState));
}

#[test]
fn status_struct_decodes_packed_bytes() {
    assert_eq!(size_of::<sev_user_data_status>(), 12);
    assert_eq!(offset_of!(sev_user_data_status, flags), 3);
    assert_eq!(offset_of!(sev_user_data_status, build), 7);
    assert_eq!(offset_of!(sev_user_data_status, guest_count), 8);

    let bytes: [u8; 12] = [0x00, 0x18, 0x01, 0x01, 0x01, 0x00, 0x00, 0x0D, 0x02, 0x00, 0x00, 0x00];
    // SAFETY: `bytes` holds 12 bytes and every bit pattern is a valid status.
    let status: sev_user_data_status = unsafe { bytes.as_ptr().cast::<sev_user_data_status>().read_unaligned() };
    let sev_user_data_status { api_major, api_minor, state, flags, build, guest_count } = status;
    assert_eq!((api_major, api_minor), (0, 24));
    assert_eq!(state, 1);
    assert_eq!(flags, 0x0000_0101);
    assert_eq!(flags & SEV_STATUS_FLAGS_CONFIG_ES, SEV_STATUS_FLAGS_CONFIG_ES, "the SEV-ES bit is set");
    assert_eq!(flags & 1, 1, "the owner bit is set");
    assert_eq!(build, 13);
    assert_eq!(guest_count, 2);
}

#[test]
fn sev_payload_layouts_match_abi() {
    assert_eq!(size_of::<kvm_sev_cmd>(), 24);
    assert_eq!(offset_of!(kvm_sev_cmd, id), 0);
    assert_eq!(offset_of!(kvm_sev_cmd, data), 8);
    assert_eq!(offset_of!(kvm_sev_cmd, error), 16);
    assert_eq!(offset_of!(kvm_sev_cmd, sev_fd), 20);
    assert_eq!(size_of::<sev_issue_cmd>(), 16);
    assert_eq!(offset_of!(sev_issue_cmd, error), 12);
}

#[test]
fn commands_bound_to_ids() {
    assert_eq!(<launch::Init as KvmSevCommand>::ID, KVM_SEV_INIT);
    assert_eq!(<launch::LaunchStart<'_> as KvmSevCommand>::ID, KVM_SEV_LAUNCH_START);
    assert_eq!(<PlatformStatus as FirmwareCommand>::ID, SEV_PLATFORM_STATUS);
    assert_eq!(
        <launch::LaunchStart<'_> as KvmSevCommand>::PAYLOAD.map(|layout| layout.name),
        Some("kvm_sev_launch_start")
    );
    assert_eq!(<launch::Init as KvmSevCommand>::PAYLOAD, None);

    let ids: Vec<u32> = KVM_SEV_COMMANDS.iter().map(|command| command.id).collect();
    assert_eq!(ids, (0..=21).collect::<Vec<u32>>(), "every KVM_SEV_* id of Linux 6.1, in order");
    let ids: Vec<u32> = SEV_COMMANDS.iter().map(|command| command.id).collect();
    assert_eq!(ids, (0..=8).collect::<Vec<u32>>(), "every SEV_* command of Linux 6.1, in order");
}

#[test]
fn commands_fill_addresses_from_borrows() {
    assert_eq!(launch::Init.prepare().unwrap(), 0);

    let mut buffer = [0u8; 64];
    let expected = buffer.as_ptr() as u64;
    let mut measure = launch::LaunchMeasure::new(&mut buffer);
    let payload = measure.prepare().unwrap();
    assert_ne!(payload, 0);
    // SAFETY: `prepare` returned the address of the command's `kvm_sev_launch_measure`,
    // which `measure` still holds.
    let raw = unsafe { (payload as *const kvm_sev_launch_measure).read() };
    assert_eq!(raw.uaddr, expected);
    assert_eq!(raw.len, 64);

    let mut query = launch::LaunchMeasure::query();
    let payload = query.prepare().unwrap();
    // SAFETY: as above.
    let raw = unsafe { (payload as *const kvm_sev_launch_measure).read() };
    assert_eq!((raw.uaddr, raw.len), (0, 0), "a query passes no buffer");
}

#[test]
fn launch_update_fills_guest_range() {
    let memory = sev_ioctls::kvm::GuestMemory::new(0x4000).unwrap();
    let read_payload = |command: &mut launch::LaunchUpdateData<'_>| {
        let payload = command.prepare().unwrap();
        // SAFETY: `prepare` returned the address of the command's
        // `kvm_sev_launch_update_data`, which `command` still holds.
        unsafe { (payload as *const kvm_sev_launch_update_data).read() }
    };
    let first = read_payload(&mut launch::LaunchUpdateData::guest(&memory, 0, 0x1000));
    let second = read_payload(&mut launch::LaunchUpdateData::guest(&memory, 0x1000, 0x3000));
    assert_ne!(first.uaddr, 0);
    assert_eq!(first.len, 0x1000);
    assert_eq!(second.uaddr, first.uaddr + 0x1000, "the address follows the offset");
    assert_eq!(second.len, 0x3000);

    let error = launch::LaunchUpdateData::guest(&memory, 0x1000, 0x3001).prepare().unwrap_err();
    assert!(matches!(&error, SevError::Os(os) if os.kind() == io::ErrorKind::InvalidInput), "{error:?}");
    let error = launch::LaunchSecret::guest(&[0; 52], &memory, 0x3ff0, 0x20, &[0; 16]).prepare().unwrap_err();
    assert!(matches!(&error, SevError::Os(os) if os.kind() == io::ErrorKind::InvalidInput), "{error:?}");
}

#[test]
fn debug_commands_check_buffers() {
    let src = [0u8; 32];
    let mut short = [0u8; 16];
    let error = DbgDecrypt::new(&src, &mut short).prepare().unwrap_err();
    assert!(matches!(error, SevError::BufferTooSmall { needed: 32, len: 16 }), "{error:?}");

    // An unaligned destination would make KVM rewrite bytes around the borrow.
    #[repr(align(16))]
    struct Aligned([u8; 64]);
    let mut destination = Aligned([0; 64]);
    let error = DbgEncrypt::new(&src, &mut destination.0[1..40]).prepare().unwrap_err();
    assert_eq!(error.raw_os_error(), None);
    assert!(matches!(&error, SevError::Os(os) if os.kind() == io::ErrorKind::InvalidInput), "{error:?}");
    DbgEncrypt::new(&src, &mut destination.0[16..48]).prepare().unwrap();
}

#[test]
fn debug_commands_reject_page_crossing() {
    let buffer = vec![0u8; 3 * 4096];
    let start = buffer.as_ptr() as usize;
    let to_page_end = 4096 - start % 4096;
    let crossing = &buffer[to_page_end - 8..to_page_end + 8];
    let mut destination = [0u8; 16];
    let error = DbgDecrypt::new(crossing, &mut destination).prepare().unwrap_err();
    assert!(matches!(&error, SevError::Os(os) if os.kind() == io::ErrorKind::InvalidInput), "{error:?}");
}

#[test]
fn platform_status_on_device() {
    let Some(sev) = open_sev("platform_status_on_device") else { return };
    let status = sev.platform_status().expect("SEV_PLATFORM_STATUS");
    let sev_user_data_status { api_major, api_minor, state, .. } = status;
    assert!(api_major > 0 || api_minor > 0, "API version 0.0");
    assert!(state <= 2, "unknown platform state {state}");
}

#[test]
fn certificate_lengths_on_device() {
    let Some(sev) = open_sev("certificate_lengths_on_device") else { return };
    let mut csr = PekCsr::query();
    sev.issue(&mut csr).expect("SEV_PEK_CSR length query");
    assert!(csr.length() > 0);
    let mut too_small = [0u8; 8];
    let error = sev.issue(&mut PekCsr::new(&mut too_small)).unwrap_err();
    assert!(matches!(error, SevError::BufferTooSmall { .. }), "{error:?}");

    let mut id = GetId2::query();
    sev.issue(&mut id).expect("SEV_GET_ID2 length query");
    let mut buffer = vec![0u8; id.length() as usize];
    sev.issue(&mut GetId2::new(&mut buffer)).expect("SEV_GET_ID2");
}

#[test]
fn attestation_report_on_guest_device() {
    let Some(guest) = open_device("attestation_report_on_guest_device", "/dev/sev-guest", SevGuest::open) else {
        return;
    };
    let request = snp_report_req { user_data: [0x5a; 64], vmpl: 0, rsvd: [0; 28] };
    let response = guest.get_report(1, &request).expect("SNP_GET_REPORT");
    assert_ne!(response.data, [0; 4000]);
}
