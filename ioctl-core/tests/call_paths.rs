//! Compares the two call paths of `ioctl_core::sys`, the inline system call and the C
//! library's `ioctl`, by calling both directly whichever one `sys::ioctl` selects. Run it
//! with and without `--features libc-ioctl` to check the selection as well.
//!
//! The request numbers were checked against gcc with the Linux 6.1 UAPI headers:
//! `FIONREAD` 0x541B, `KVM_GET_API_VERSION` 0xAE00, `KVM_CREATE_VM` 0xAE01,
//! `KVM_CHECK_EXTENSION` 0xAE03, `KVM_CREATE_VCPU` 0xAE41, `KVM_GET_REGS` 0x8090AE81 and
//! `KVM_SET_REGS` 0x4090AE82 (x86_64, `struct kvm_regs` of 144 bytes).

#![cfg(all(
    target_os = "linux",
    target_pointer_width = "64",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod common;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use ioctl_core::sys;
use libc::{c_int, c_void};

const FIONREAD: u32 = 0x541B;
const KVM_GET_API_VERSION: u32 = 0xAE00;
#[cfg(target_arch = "x86_64")]
const KVM_CREATE_VM: u32 = 0xAE01;
const KVM_CHECK_EXTENSION: u32 = 0xAE03;
#[cfg(target_arch = "x86_64")]
const KVM_CREATE_VCPU: u32 = 0xAE41;
const KVM_GET_REGS: u32 = 0x8090_AE81;
#[cfg(target_arch = "x86_64")]
const KVM_SET_REGS: u32 = 0x4090_AE82;

/// `KVM_CAP_NR_VCPUS`: `KVM_CHECK_EXTENSION` returns the recommended vCPU count, at least 1.
const KVM_CAP_NR_VCPUS: usize = 9;
/// An extension number that no kernel defines; `KVM_CHECK_EXTENSION` returns 0 for it.
const UNKNOWN_EXTENSION: usize = 0xFFFF;

type CallPath = unsafe fn(BorrowedFd<'_>, u32, *mut c_void) -> io::Result<c_int>;

const PATHS: [(&str, CallPath); 2] = [("raw", sys::raw_ioctl), ("libc", sys::libc_ioctl)];

/// `struct kvm_regs` on x86_64: 18 `__u64` registers.
type KvmRegs = [u64; 18];

fn errno() -> c_int {
    // SAFETY: `__errno_location` returns this thread's `errno`, valid for reads.
    unsafe { *libc::__errno_location() }
}

fn set_errno(value: c_int) {
    // SAFETY: `__errno_location` returns this thread's `errno`, valid for writes.
    unsafe { *libc::__errno_location() = value };
}

/// Calls `request` with an integer argument, which the kernel never dereferences.
fn call_with_value(path: CallPath, fd: BorrowedFd<'_>, request: u32, value: usize) -> io::Result<c_int> {
    let arg = std::ptr::without_provenance_mut::<c_void>(value);
    // SAFETY: every request passed here takes its argument as an integer.
    unsafe { path(fd, request, arg) }
}

/// Calls `FIONREAD`, which writes one `int`.
fn fionread(path: CallPath, fd: BorrowedFd<'_>) -> (io::Result<c_int>, c_int) {
    let mut count: c_int = -1;
    // SAFETY: `FIONREAD` writes one `int` through the pointer, and `count` is one.
    let result = unsafe { path(fd, FIONREAD, (&raw mut count).cast()) };
    (result, count)
}

/// Calls `KVM_GET_REGS` with a buffer of the size that its number encodes.
fn get_regs(path: CallPath, fd: BorrowedFd<'_>) -> (io::Result<c_int>, KvmRegs) {
    let mut regs: KvmRegs = [0; 18];
    // SAFETY: `KVM_GET_REGS` writes at most 144 bytes, the size of `regs`; other drivers
    // reject the number without touching memory.
    let result = unsafe { path(fd, KVM_GET_REGS, (&raw mut regs).cast()) };
    (result, regs)
}

/// Creates a pipe and writes `bytes` into it.
fn pipe_with_bytes(bytes: &[u8]) -> (io::PipeReader, io::PipeWriter) {
    let (reader, mut writer) = io::pipe().expect("pipe");
    writer.write_all(bytes).expect("write to pipe");
    (reader, writer)
}

/// Opens `/dev/kvm`, or returns `None` after printing why the test is skipped. With
/// `IOCTL_REQUIRE_KVM=1` in the environment (as CI sets it), a failure fails the test.
fn open_kvm(test: &str) -> Option<File> {
    common::kvm_or_skip(test, OpenOptions::new().read(true).write(true).open("/dev/kvm"))
}

/// Takes ownership of the descriptor that a successful ioctl returned.
#[cfg(target_arch = "x86_64")]
fn owned(result: io::Result<c_int>, what: &str) -> OwnedFd {
    let fd = result.unwrap_or_else(|error| panic!("{what} failed: {error}"));
    assert!(fd >= 0, "{what} returned {fd}");
    // SAFETY: the ioctl returned a new descriptor that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

#[test]
fn fionread_counts_pipe_bytes() {
    let (reader, _writer) = pipe_with_bytes(b"hello");
    for (name, path) in PATHS {
        let (result, count) = fionread(path, reader.as_fd());
        assert_eq!(result.unwrap(), 0, "{name} path return value");
        assert_eq!(count, 5, "{name} path byte count");
    }
}

#[test]
fn kvm_api_version_is_12() {
    let Some(kvm) = open_kvm("kvm_api_version_is_12") else {
        return;
    };
    for (name, path) in PATHS {
        let version = call_with_value(path, kvm.as_fd(), KVM_GET_API_VERSION, 0);
        assert_eq!(version.unwrap(), 12, "{name} path");
    }
}

#[test]
fn kvm_check_extension_matches() {
    let Some(kvm) = open_kvm("kvm_check_extension_matches") else {
        return;
    };
    let [(_, raw), (_, libc_path)] = PATHS;

    let raw_vcpus = call_with_value(raw, kvm.as_fd(), KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS).unwrap();
    let libc_vcpus = call_with_value(libc_path, kvm.as_fd(), KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS).unwrap();
    assert!(raw_vcpus > 0, "raw path returned {raw_vcpus} for KVM_CAP_NR_VCPUS");
    assert_eq!(raw_vcpus, libc_vcpus);

    for (name, path) in PATHS {
        let unknown = call_with_value(path, kvm.as_fd(), KVM_CHECK_EXTENSION, UNKNOWN_EXTENSION);
        assert_eq!(unknown.unwrap(), 0, "{name} path, extension {UNKNOWN_EXTENSION:#x}");
    }
}

#[test]
fn get_regs_on_dev_null_is_enotty() {
    let null = File::open("/dev/null").expect("open /dev/null");
    let mut errors = Vec::new();
    for (name, path) in PATHS {
        let (result, regs) = get_regs(path, null.as_fd());
        let error = result.expect_err(name);
        assert_eq!(error.raw_os_error(), Some(libc::ENOTTY), "{name} path: {error}");
        assert_eq!(regs, [0; 18], "{name} path wrote the buffer on failure");
        errors.push(error.kind());
    }
    assert_eq!(errors[0], errors[1], "error kinds differ between the paths");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn get_regs_on_vcpu_matches() {
    let Some(kvm) = open_kvm("get_regs_on_vcpu_matches") else {
        return;
    };
    let [(_, raw), (_, libc_path)] = PATHS;
    let vm = owned(call_with_value(libc_path, kvm.as_fd(), KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    let vcpu = owned(call_with_value(libc_path, vm.as_fd(), KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");

    let (result, mut regs) = get_regs(raw, vcpu.as_fd());
    result.expect("KVM_GET_REGS on the raw path");
    regs[16] = 0x1234; // rip
    // SAFETY: `KVM_SET_REGS` reads 144 bytes, the size of `regs`.
    let set = unsafe { raw(vcpu.as_fd(), KVM_SET_REGS, (&raw mut regs).cast()) };
    assert_eq!(set.unwrap(), 0);

    let (raw_result, raw_regs) = get_regs(raw, vcpu.as_fd());
    let (libc_result, libc_regs) = get_regs(libc_path, vcpu.as_fd());
    assert_eq!(raw_result.unwrap(), 0);
    assert_eq!(libc_result.unwrap(), 0);
    assert_eq!(raw_regs[16], 0x1234, "rip read back on the raw path");
    assert_eq!(raw_regs, libc_regs);
}

#[test]
fn raw_path_leaves_errno_alone() {
    let null = File::open("/dev/null").expect("open /dev/null");
    let [(_, raw), (_, libc_path)] = PATHS;

    set_errno(libc::EXDEV);
    let error = get_regs(raw, null.as_fd()).0.unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    assert_eq!(errno(), libc::EXDEV, "the raw path wrote errno");

    set_errno(libc::EXDEV);
    let error = get_regs(libc_path, null.as_fd()).0.unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    assert_eq!(errno(), libc::ENOTTY, "the libc path left errno unchanged");
}

#[test]
fn selected_path_follows_feature() {
    assert_eq!(sys::RAW_SYSCALL, !cfg!(feature = "libc-ioctl"));

    // Only the C library writes errno, so its value after a failure shows which path ran.
    let null = File::open("/dev/null").expect("open /dev/null");
    let mut regs: KvmRegs = [0; 18];
    set_errno(libc::EXDEV);
    // SAFETY: `KVM_GET_REGS` writes at most 144 bytes, the size of `regs`, and /dev/null
    // rejects it without touching memory.
    let result = unsafe { sys::ioctl(null.as_fd(), KVM_GET_REGS, (&raw mut regs).cast()) };
    assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::ENOTTY));
    let expected = if sys::RAW_SYSCALL { libc::EXDEV } else { libc::ENOTTY };
    assert_eq!(errno(), expected, "RAW_SYSCALL is {}", sys::RAW_SYSCALL);
}

#[test]
fn high_descriptor_reaches_kernel() {
    let (reader, _writer) = pipe_with_bytes(b"abc");
    // SAFETY: F_DUPFD_CLOEXEC duplicates a descriptor that `reader` keeps open.
    let high = unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 1000) };
    assert!(high >= 1000, "F_DUPFD_CLOEXEC failed: {}", io::Error::last_os_error());
    // SAFETY: `fcntl` returned a new descriptor that nothing else owns.
    let high = unsafe { OwnedFd::from_raw_fd(high) };

    for (name, path) in PATHS {
        let (result, count) = fionread(path, high.as_fd());
        assert_eq!(result.unwrap(), 0, "{name} path on fd {}", high.as_raw_fd());
        assert_eq!(count, 3, "{name} path byte count");
    }
}
