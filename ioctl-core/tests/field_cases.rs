//! Faults that users of other ioctl wrappers hit, each pinned to the value that must hold.
//!
//! Numbers for other architectures are computed by naming their layout explicitly, so
//! they are tested on any host. Values for x86_64 are those that gcc computes from the
//! Linux 6.1 UAPI headers; the header test of `sev-ioctls` recomputes them with gcc.

mod common;

use std::ffi::{c_int, c_long, c_uint, c_ulong};
use std::io;

use ioctl_core::{ioctl, sys, Direction, EncodeError, Layout};

const GENERIC: Layout = Layout::GENERIC;
const POWERPC: Layout = Layout::POWERPC_MIPS_SPARC;

/// Stands for `struct pps_kparams` of `linux/pps.h`; only its pointer size is used.
struct PpsKparams;

ioctl! {
    // SAFETY: these mirror `FS_IOC_SETVERSION` (`_IOW('v', 2, long)`) in linux/fs.h and
    // the `_IOW(0xF0, 3, ...)` pattern; no test calls them.
    unsafe {
        group b'v';
        write FS_IOC_SETVERSION = 0x02 => c_long;
    }
}

ioctl! {
    // SAFETY: compile-time numbers only; no test calls these.
    unsafe {
        group 0xF0;
        write X_ULONG = 3 => c_ulong;
        write X_UINT = 3 => c_uint;
    }
}

ioctl! {
    // SAFETY: `PPS_GETPARAMS` is `_IOR('p', 0xa1, struct pps_kparams *)` in linux/pps.h:
    // the size field holds a pointer's size although the kernel writes a whole struct.
    // No test calls it.
    unsafe {
        group b'p';
        read PPS_GETPARAMS = 0xa1 => [u8; 32] size *const PpsKparams;
    }
}

ioctl! {
    // SAFETY: KVM_GET_API_VERSION is `_IO(KVMIO, 0x00)` in linux/kvm.h and takes no
    // argument; KVM_GET_REGS is `_IOR(KVMIO, 0x81, struct kvm_regs)`, 144 bytes on x86_64.
    // Declared for any fd here so that they can be sent to /dev/null.
    unsafe {
        group 0xAE;
        none ANY_KVM_GET_API_VERSION = 0x00 -> count;
        read ANY_KVM_GET_REGS = 0x81 => [u64; 18];
    }
}

#[test]
fn long_width_and_layouts() {
    assert_eq!(FS_IOC_SETVERSION.request(), 0x4008_7602, "x86_64, long is 8 bytes");
    assert_eq!(GENERIC.write::<i32>(b'v', 0x02), 0x4004_7602, "i686 and armv7");
    assert_eq!(POWERPC.write::<i32>(b'v', 0x02), 0x8004_7602, "powerpc");
    assert_eq!(POWERPC.write::<i64>(b'v', 0x02), 0x8008_7602, "powerpc64");
}

#[test]
fn size_limit_per_layout() {
    assert_eq!(GENERIC.read::<[u8; 8192]>(0xAE, 0x01), 0xA000_AE01);
    assert_eq!(
        POWERPC.checked_request(Direction::Read, 0xAE, 0x01, 8192),
        Err(EncodeError::SizeTooLarge { size: 8192, max: 8191 }),
        "8192 bytes do not fit the 13-bit size field"
    );
    assert_eq!(
        GENERIC.checked_request(Direction::Read, 0xAE, 0x01, 16384),
        Err(EncodeError::SizeTooLarge { size: 16384, max: 16383 }),
        "16384 bytes do not fit the 14-bit size field"
    );
}

#[test]
fn encoder_keeps_every_field() {
    let request = GENERIC.read_write::<u32>(0xAE, 0x02);
    assert_eq!(request, 0xC004_AE02, "KVM_GET_MSR_INDEX_LIST");
    let decoded = GENERIC.decode(request);
    assert_eq!(decoded.direction, Some(Direction::ReadWrite));
    assert_eq!(decoded.group, 0xAE);
    assert_eq!(decoded.number, 0x02);
    assert_eq!(decoded.size, 4);
}

#[test]
fn size_type_differs_from_argument() {
    // KVM_MEMORY_ENCRYPT_OP is `_IOWR(KVMIO, 0xba, unsigned long)` but takes 24 bytes.
    assert_eq!(GENERIC.read_write::<u64>(0xAE, 0xBA), 0xC008_AEBA, "64-bit targets");
    assert_eq!(GENERIC.read_write::<u32>(0xAE, 0xBA), 0xC004_AEBA, "i686");
    assert_eq!(GENERIC.read_write::<[u8; 24]>(0xAE, 0xBA), 0xC018_AEBA, "sized by the argument: wrong");
    assert_eq!(PPS_GETPARAMS.request(), 0x8008_70A1, "pointer size on 64-bit targets");
    assert_eq!(GENERIC.read::<u32>(b'p', 0xa1), 0x8004_70A1, "pointer size on 32-bit targets");
    assert_eq!(X_ULONG.request(), 0x4008_F003);
    assert_eq!(X_UINT.request(), 0x4004_F003);
}

#[test]
fn request_reaches_libc_unchanged() {
    for request in [0xC004_AE02u32, 0xC010_5300] {
        assert_eq!(sys::request_as_c_ulong(request), c_ulong::from(request), "glibc: zero-extended");
        let as_int: c_int = sys::request_as_c_int(request);
        assert!(as_int < 0, "musl: the bits land in a negative int");
        assert_eq!(as_int as u32, request, "musl: no bit changes");
        // The kernel reads `unsigned int cmd`: the low 32 bits of the sign-extended
        // register that musl passes.
        assert_eq!(i64::from(as_int) as u64 as u32, request);
    }
}

#[test]
fn no_argument_passes_zero() {
    let opened = std::fs::File::options().read(true).write(true).open("/dev/kvm");
    let Some(kvm) = common::kvm_or_skip("no_argument_passes_zero", opened) else { return };
    // KVM rejects a non-zero third argument with EINVAL, so a stray register value fails.
    for call in 0..1000 {
        assert_eq!(ANY_KVM_GET_API_VERSION.call(&kvm).unwrap(), 12, "call {call}");
    }
}

#[test]
fn read_on_wrong_device_is_enotty_and_no_value() {
    let null = std::fs::File::open("/dev/null").unwrap();
    let error: io::Error = ANY_KVM_GET_REGS.call(&null).unwrap_err();
    assert_eq!(ANY_KVM_GET_REGS.request(), 0x8090_AE81);
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    assert_eq!(error.raw_os_error(), Some(25));
}
