//! Calls through each argument kind and return policy, on pipes, /dev/null and /dev/kvm.

mod common;

use std::ffi::c_ulong;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};

use ioctl_core::{ioctl, AnyBitPattern, ArgumentKind, Direction, IntArg, StructLayout};

ioctl! {
    // SAFETY: FIONREAD is `0x541B` in asm-generic/ioctls.h and writes an `int`; FIONBIO
    // (`0x5421`) reads an `int`. Both apply to any fd.
    unsafe {
        /// Every ioctl of this invocation.
        table GENERIC_IOCTLS;
        read FIONREAD = raw 0x541B => i32;
        write FIONBIO = raw 0x5421 => i32;
    }
}

ioctl! {
    // SAFETY: these mirror linux/kvm.h: KVM_GET_API_VERSION `_IO(KVMIO, 0x00)` returns 12,
    // KVM_CREATE_VM `_IO(KVMIO, 0x01)` takes a machine type and returns a new VM fd,
    // KVM_CHECK_EXTENSION `_IO(KVMIO, 0x03)` takes a capability number.
    unsafe {
        group 0xAE;
        table KVM_TEST_IOCTLS;
        fd Kvm = "/dev/kvm";
        none API_VERSION_AS_ZERO = 0x00 on Kvm -> zero;
        none CREATE_VM_AS_FD = 0x01 (c_ulong) on Kvm -> fd;
        none CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
    }
}

#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
struct Mixed {
    byte: u8,
    word: u32,
    pair: [u16; 2],
}

#[repr(C, packed)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
struct Packed {
    byte: u8,
    word: u32,
}

fn open_kvm(test: &str) -> Option<Kvm> {
    common::kvm_or_skip(test, Kvm::open())
}

#[test]
fn read_returns_pending_bytes() {
    let (reader, mut writer) = io::pipe().unwrap();
    assert_eq!(FIONREAD.call(&reader).unwrap(), 0);
    writer.write_all(b"hello").unwrap();
    assert_eq!(FIONREAD.call(&reader).unwrap(), 5);
    assert_eq!(FIONREAD.call(&reader.as_fd_owned()).unwrap(), 5, "any AsFd works");
}

trait AsFdOwned {
    fn as_fd_owned(&self) -> OwnedFd;
}

impl<T: std::os::fd::AsFd> AsFdOwned for T {
    fn as_fd_owned(&self) -> OwnedFd {
        self.as_fd().try_clone_to_owned().unwrap()
    }
}

#[test]
fn write_sets_nonblocking_flag() {
    let (reader, _writer) = io::pipe().unwrap();
    FIONBIO.call(&reader, &1).unwrap();
    // SAFETY: F_GETFL only reads the status flags of an fd that `reader` owns.
    let flags = unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_GETFL) };
    assert_ne!(flags & libc::O_NONBLOCK, 0);
    FIONBIO.call(&reader, &0).unwrap();
    // SAFETY: as above.
    let flags = unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_GETFL) };
    assert_eq!(flags & libc::O_NONBLOCK, 0);
}

#[test]
fn error_comes_from_errno() {
    let null = std::fs::File::open("/dev/null").unwrap();
    let error = FIONREAD.call(&null).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
}

#[test]
fn zero_policy_rejects_positive_return() {
    let Some(kvm) = open_kvm("zero_policy_rejects_positive_return") else { return };
    let error = API_VERSION_AS_ZERO.call(&kvm).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("returned 12"), "{error}");
}

#[test]
fn fd_policy_returns_owned_fd() {
    let Some(kvm) = open_kvm("fd_policy_returns_owned_fd") else { return };
    let vm: OwnedFd = CREATE_VM_AS_FD.call(&kvm, 0).unwrap();
    // SAFETY: F_GETFD only reads the descriptor flags of an fd that `vm` owns.
    assert!(unsafe { libc::fcntl(vm.as_raw_fd(), libc::F_GETFD) } >= 0);
    assert_ne!(vm.as_raw_fd(), kvm.as_raw_fd());
}

#[test]
fn count_policy_passes_return_through() {
    let Some(kvm) = open_kvm("count_policy_passes_return_through") else { return };
    assert!(CHECK_EXTENSION.call(&kvm, 9).unwrap() > 0, "KVM_CAP_NR_VCPUS");
    assert_eq!(CHECK_EXTENSION.call(&kvm, 0xFFFF).unwrap(), 0, "an unknown capability is 0, not an error");
}

#[test]
fn open_names_device_on_failure() {
    // `Kvm::open` wraps the open error; check the wrapping on a path that cannot exist.
    let error = ioctl_core::open_device("/dev/does-not-exist-ioctl-core").unwrap_err();
    assert!(error.to_string().contains("/dev/does-not-exist-ioctl-core"), "{error}");
}

#[test]
fn int_arg_extends_like_c() {
    assert_eq!((-1i32).to_arg(), c_ulong::MAX, "signed values sign-extend");
    assert_eq!(0xFFFF_FFFFu32.to_arg(), 0xFFFF_FFFF, "unsigned values zero-extend");
    assert_eq!(7u8.to_arg(), 7);
}

#[test]
fn table_lists_declarations() {
    assert_eq!(GENERIC_IOCTLS.len(), 2);
    let fionread = &GENERIC_IOCTLS[0];
    assert_eq!(fionread.name, "FIONREAD");
    assert_eq!(fionread.request, 0x541B);
    assert!(fionread.raw);
    assert_eq!(fionread.argument, ArgumentKind::Read);
    assert_eq!(fionread.argument_type, Some("i32"));
    assert_eq!(fionread.argument_size, 4);
    assert_eq!(fionread.fd_kind, None);
    assert_eq!(fionread.returns, "zero");

    let create = &KVM_TEST_IOCTLS[1];
    assert_eq!(create.name, "CREATE_VM_AS_FD");
    assert_eq!(create.request, 0xAE01);
    assert!(!create.raw);
    assert_eq!(create.direction, Direction::None);
    assert_eq!(create.argument, ArgumentKind::Value);
    assert_eq!(create.argument_type, Some("c_ulong"));
    assert_eq!(create.fd_kind, Some("Kvm"));
    assert_eq!(create.returns, "fd");
    assert_eq!(create.decode().group, 0xAE);
}

#[test]
fn struct_layout_matches_compiler() {
    assert_eq!(Mixed::SIZE, 12);
    assert_eq!(Mixed::ALIGN, 4);
    let offsets: Vec<(&str, usize, usize)> = Mixed::FIELDS.iter().map(|f| (f.name, f.offset, f.size)).collect();
    assert_eq!(offsets, [("byte", 0, 1), ("word", 4, 4), ("pair", 8, 4)]);

    assert_eq!(Packed::SIZE, 5);
    assert_eq!(Packed::ALIGN, 1);
    assert_eq!(Packed::FIELDS[1].offset, 1);
}

#[test]
fn debug_shows_decoded_fields() {
    let text = format!("{FIONREAD:?}");
    assert!(text.contains("0x0000541b"), "{text}");
    assert!(text.contains("group: 0x54"), "{text}");
}

ioctl! {
    // SAFETY: KVM_CHECK_EXTENSION (`_IO(KVMIO, 0x03)`) is served by the system fd and by VM
    // fds alike; KVM_REINJECT_CONTROL is `_IO(KVMIO, 0x71)` although the kernel reads a
    // `struct kvm_reinject_control` (8 bytes) from its argument.
    unsafe {
        group 0xAE;
        fd Vm;
        /// The system fd or a VM fd.
        kind SystemOrVm = Kvm | Vm;
        none CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        none CHECK_EXTENSION_ANY = 0x03 (c_ulong) on SystemOrVm -> count;
        none REINJECT_CONTROL = 0x71 => [u8; 8] as write on Vm;
    }
}

#[test]
fn kind_accepts_each_member() {
    let Some(kvm) = open_kvm("kind_accepts_each_member") else { return };
    let vm = CREATE_VM.call(&kvm, 0).unwrap();
    assert!(CHECK_EXTENSION_ANY.call(&kvm, 9).unwrap() > 0, "system fd");
    assert!(CHECK_EXTENSION_ANY.call(&vm, 9).unwrap() > 0, "VM fd");
}

#[test]
fn none_with_payload_keeps_size_zero() {
    assert_eq!(REINJECT_CONTROL.request(), 0xAE71);
    assert_eq!(REINJECT_CONTROL.decode().size, 0);
}
