//! The SEV paths that need AMD hardware, through the real call path against the fake
//! firmware of `sev_ioctls::sev::fake`: platform status, the firmware-status rules, a
//! launch sequence on a VM with guest memory, and an encrypted-region registration.

#![cfg(target_arch = "x86_64")]

use std::os::fd::AsRawFd;

use sev_ioctls::kvm::{kvm_enc_region, kvm_sev_cmd, GuestMemory, KVM_MEM_LOG_DIRTY_PAGES};
use sev_ioctls::sev::fake::{FakeFirmware, FirmwareScript, Outcome, Reply};
use sev_ioctls::sev::launch::{self, LaunchMeasure, LaunchStart, LaunchUpdateData};
use sev_ioctls::sev::{sev_issue_cmd, sev_user_data_status, FirmwareStatus, PlatformStatus, SevError, SEV_PLATFORM_STATUS};

/// The status bytes of a platform with API 0.24, state 1 (initialized), flags 0x101 (owner
/// and SEV-ES), build 13 and two guests, as `SEV_PLATFORM_STATUS` writes them.
const F04_STATUS: [u8; 12] = [0x00, 0x18, 0x01, 0x01, 0x01, 0x00, 0x00, 0x0D, 0x02, 0x00, 0x00, 0x00];

fn status_from_bytes(bytes: [u8; 12]) -> sev_user_data_status {
    // SAFETY: `bytes` holds the 12 bytes of the packed struct, and every bit pattern is a
    // valid status.
    unsafe { bytes.as_ptr().cast::<sev_user_data_status>().read_unaligned() }
}

#[test]
fn platform_status_through_fake() {
    let script = FirmwareScript::new().platform_status(status_from_bytes(F04_STATUS));
    let mut fake = FakeFirmware::new(script).unwrap();
    let sev = fake.sev().unwrap();

    let status = fake.run(|| sev.platform_status()).unwrap().unwrap();

    let sev_user_data_status { api_major, api_minor, state, flags, build, guest_count } = status;
    assert_eq!((api_major, api_minor), (0, 24));
    assert_eq!(state, 1);
    assert_eq!(flags, 0x0000_0101, "the SEV-ES bit 0x100 survives");
    assert_eq!(build, 13);
    assert_eq!(guest_count, 2);

    let calls = fake.finish().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].request, 0xC010_5300, "SEV_ISSUE_CMD");
    let command: sev_issue_cmd = calls[0].input_as();
    assert_eq!({ command.cmd }, SEV_PLATFORM_STATUS);
    assert_ne!({ command.data }, 0, "the command points to the status struct");
}

#[test]
fn firmware_error_keeps_errno() {
    let outcome = Outcome::FirmwareError { status: FirmwareStatus::InvalidPlatformState, errno: Some(libc::EIO) };
    let script = FirmwareScript::new().firmware_command::<PlatformStatus>(outcome);
    let mut fake = FakeFirmware::new(script).unwrap();
    let sev = fake.sev().unwrap();

    let error = fake.run(|| sev.platform_status()).unwrap().unwrap_err();

    assert!(matches!(error, SevError::Firmware { os: Some(_), .. }), "{error:?}");
    assert_eq!(error.status(), Some(FirmwareStatus::InvalidPlatformState));
    assert_eq!(error.status().unwrap().code(), 1);
    assert_eq!(error.raw_os_error(), Some(libc::EIO));
    assert_eq!(fake.finish().unwrap()[0].reply, Reply::Failed(libc::EIO));
}

#[test]
fn status_zero_with_errno_is_os_error() {
    let script = FirmwareScript::new().firmware_command::<PlatformStatus>(Outcome::OsError(libc::EBUSY));
    let mut fake = FakeFirmware::new(script).unwrap();
    let sev = fake.sev().unwrap();

    let error = fake.run(|| sev.platform_status()).unwrap().unwrap_err();

    assert!(matches!(error, SevError::Os(_)), "{error:?}");
    assert_eq!(error.status(), None);
    assert_eq!(error.raw_os_error(), Some(libc::EBUSY));
    fake.finish().unwrap();
}

#[test]
fn status_after_success_is_error() {
    let outcome = Outcome::FirmwareError { status: FirmwareStatus::InvalidPlatformState, errno: None };
    let script = FirmwareScript::new().firmware_command::<PlatformStatus>(outcome);
    let mut fake = FakeFirmware::new(script).unwrap();
    let sev = fake.sev().unwrap();

    let error = fake.run(|| sev.platform_status()).unwrap().unwrap_err();

    assert!(matches!(error, SevError::Firmware { os: None, .. }), "{error:?}");
    assert_eq!(error.status(), Some(FirmwareStatus::InvalidPlatformState));
    assert_eq!(error.raw_os_error(), None);
    assert_eq!(fake.finish().unwrap()[0].reply, Reply::Returned(0), "the ioctl itself returned 0");
}

#[test]
fn rules_hold_on_vm() {
    let script = FirmwareScript::new()
        .kvm_command::<LaunchStart<'_>>(Outcome::FirmwareError {
            status: FirmwareStatus::InvalidPlatformState,
            errno: Some(libc::EIO),
        })
        .kvm_command::<launch::Init>(Outcome::OsError(libc::ENOTTY))
        .kvm_command::<launch::LaunchFinish>(Outcome::FirmwareError { status: FirmwareStatus::InvalidGuestState, errno: None });
    let mut fake = FakeFirmware::new(script).unwrap();
    let sev = fake.sev().unwrap();
    let vm = fake.vm().unwrap();

    let (start, init, finish) = fake
        .run(|| {
            let start = vm.sev_command(Some(&sev), &mut LaunchStart::new(0, 0, None, None));
            let init = vm.sev_command(None, &mut launch::Init);
            let finish = vm.sev_command(None, &mut launch::LaunchFinish);
            (start, init, finish)
        })
        .unwrap();

    let start = start.unwrap_err();
    assert_eq!(start.status(), Some(FirmwareStatus::InvalidPlatformState));
    assert_eq!(start.raw_os_error(), Some(libc::EIO));
    let init = init.unwrap_err();
    assert!(matches!(init, SevError::Os(_)), "{init:?}");
    assert_eq!(init.raw_os_error(), Some(libc::ENOTTY));
    let finish = finish.unwrap_err();
    assert!(matches!(finish, SevError::Firmware { os: None, .. }), "{finish:?}");
    assert_eq!(finish.status(), Some(FirmwareStatus::InvalidGuestState));
    fake.finish().unwrap();
}

const POLICY: u32 = 0x1; // NODBG
const DH_CERT: [u8; 64] = [0xd1; 64];
const SESSION: [u8; 48] = [0x5e; 48];
const HANDLE: u32 = 7;
const PLAINTEXT: [u8; 32] = *b"guest kernel, before encryption!";
const CIPHERTEXT: [u8; 32] = [0xc7; 32];
const MEASUREMENT: [u8; 48] = [0x3a; 48];
const MEMORY_SIZE: usize = 0x4000;
const IMAGE_OFFSET: usize = 0x1000;

/// The launch sequence of an SEV guest whose memory is a slot of the VM: the payloads
/// and the bytes behind their addresses are checked by the script, and what the firmware
/// writes back reaches the caller.
#[test]
fn launch_sequence_through_fake() {
    let script = FirmwareScript::new()
        .sev_init()
        .set_memory_region(0, 0, MEMORY_SIZE as u64)
        .register_region(MEMORY_SIZE as u64)
        .launch_start(POLICY, DH_CERT, SESSION, HANDLE)
        .launch_update_data(PLAINTEXT, CIPHERTEXT)
        .launch_measure_query(MEASUREMENT.len() as u32)
        .launch_measure(MEASUREMENT)
        .launch_finish()
        .unregister_region(MEMORY_SIZE as u64)
        .delete_memory_region(0);
    let mut fake = FakeFirmware::new(script).unwrap();
    let sev = fake.sev().unwrap();
    let vm = fake.vm().unwrap();

    let outcome = fake
        .run(|| -> Result<_, Box<dyn std::error::Error + Send + Sync>> {
            vm.sev_command(None, &mut launch::Init)?;
            let memory = GuestMemory::new(MEMORY_SIZE)?;
            memory.write_at(IMAGE_OFFSET, &PLAINTEXT)?;
            let region = vm.set_user_memory_region(0, 0, memory, 0)?;
            let pinned = region.register_encrypted()?;

            let mut start = LaunchStart::new(0, POLICY, Some(&DH_CERT), Some(&SESSION));
            vm.sev_command(Some(&sev), &mut start)?;
            let mut update = LaunchUpdateData::guest(region.memory(), IMAGE_OFFSET, PLAINTEXT.len());
            vm.sev_command(None, &mut update)?;

            let mut query = LaunchMeasure::query();
            let query_error = vm.sev_command(None, &mut query).unwrap_err();
            let mut measurement = vec![0u8; query.length() as usize];
            let mut measure = LaunchMeasure::new(&mut measurement);
            vm.sev_command(None, &mut measure)?;
            let measured_length = measure.length();
            vm.sev_command(None, &mut launch::LaunchFinish)?;

            let mut image = [0u8; 32];
            region.memory().read_at(IMAGE_OFFSET, &mut image)?;
            drop(pinned);
            drop(region);
            Ok((start.handle(), query_error, measurement, measured_length, image))
        })
        .unwrap();
    let (handle, query_error, measurement, measured_length, image) = outcome.unwrap();

    assert_eq!(handle, HANDLE, "the firmware's handle reached LaunchStart");
    assert_eq!(query_error.status(), Some(FirmwareStatus::InvalidLen), "a length query answers INVALID_LEN");
    assert_eq!(query_error.raw_os_error(), Some(libc::EIO));
    assert_eq!(measurement, MEASUREMENT, "the measurement was written through the payload's address");
    assert_eq!(measured_length, 48);
    assert_eq!(image, CIPHERTEXT, "the guest memory was encrypted in place");

    let calls = fake.finish().unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(calls.len(), 10);
    let start_call: kvm_sev_cmd = calls[3].input_as();
    assert_eq!(start_call.sev_fd as i32, sev.as_raw_fd(), "LAUNCH_START names the firmware device");
    let registered: kvm_enc_region = calls[2].input_as();
    let unregistered: kvm_enc_region = calls[8].input_as();
    assert_eq!(registered, unregistered, "the guard unregisters the range that it registered");
    assert_eq!(registered.size, MEMORY_SIZE as u64);
}

/// A caller whose buffer does not hold what the script expects gets the error of an
/// unexpected call, and `finish` names the command.
#[test]
fn launch_update_checks_data() {
    let script = FirmwareScript::new().launch_update_data(PLAINTEXT, CIPHERTEXT);
    let mut fake = FakeFirmware::new(script).unwrap();
    let vm = fake.vm().unwrap();
    let mut data = [0u8; 32];

    let result = fake.run(|| vm.sev_command(None, &mut LaunchUpdateData::new(&mut data))).unwrap();

    assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::ENOTTY));
    assert_eq!(data, [0u8; 32], "nothing was written for a call that did not match");
    let error = fake.finish().unwrap_err();
    assert_eq!(error.unmet().len(), 1);
    assert!(error.unmet()[0].contains("KVM_SEV_LAUNCH_UPDATE_DATA"), "{error}");
    assert!(error.to_string().contains("rejected"), "{error}");
}

/// A memory slot created on the fake VM reaches the script with the caller's flags, and
/// dropping it deletes the slot.
#[test]
fn memory_region_on_fake_vm() {
    let script = FirmwareScript::new().set_memory_region(3, 0x10_0000, 0x2000).delete_memory_region(3);
    let mut fake = FakeFirmware::new(script).unwrap();
    let vm = fake.vm().unwrap();

    let result = fake
        .run(|| -> std::io::Result<u32> {
            let region = vm.set_user_memory_region(3, 0x10_0000, GuestMemory::new(0x2000)?, KVM_MEM_LOG_DIRTY_PAGES)?;
            Ok(region.slot())
        })
        .unwrap();

    assert_eq!(result.unwrap(), 3);
    let calls = fake.finish().unwrap();
    assert_eq!(calls.len(), 2, "created, then deleted when the region was dropped");
    assert_eq!(u32::from_ne_bytes(calls[0].input[4..8].try_into().unwrap()), KVM_MEM_LOG_DIRTY_PAGES);
}
