//! The system call itself, and the conversion of request numbers to the libc's type.
//!
//! # Call path
//!
//! [`ioctl`] is the one place where this crate enters the kernel. It takes one of two
//! paths, chosen at compile time and reported by [`RAW_SYSCALL`]:
//!
//! - On Linux x86_64 and aarch64 (64-bit pointers), it issues the `ioctl` system call
//!   inline, with the `syscall` or `svc 0` instruction, and takes the error number from the
//!   return value, where the kernel reports an error as -4095 to -1. The C library's
//!   `ioctl` function is not called and its `errno` is neither read nor written. The
//!   instruction comes from `syscalls::raw::syscall3` of the `syscalls` crate, which a
//!   release build inlines into each call site without link-time optimization.
//! - On every other target, and everywhere when the `libc-ioctl` feature is enabled, it
//!   calls the C library's `ioctl` and reads `errno` after a return of -1.
//!
//! Both paths pass the same arguments and return the same values and errors. The visible
//! difference of the direct path: a library loaded with `LD_PRELOAD` (or any other
//! interposer or `ltrace`-style tracer of the C library's `ioctl` symbol) no longer sees
//! the call. seccomp filters, `strace`, `perf trace` and the audit subsystem act on the
//! system call, so they see it on both paths.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use libc::{c_int, c_ulong, c_void};

#[cfg(all(
    target_os = "linux",
    target_pointer_width = "64",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod linux_raw;

/// The direct system-call path, present on Linux x86_64 and aarch64 with any features.
/// Not a public API: it lets tests compare both paths in one build.
#[cfg(all(
    target_os = "linux",
    target_pointer_width = "64",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[doc(hidden)]
pub use linux_raw::ioctl as raw_ioctl;

/// Whether [`ioctl`] issues the system call inline (`true`) or calls the C library's
/// `ioctl` (`false`). See the module documentation for when each path is taken.
pub const RAW_SYSCALL: bool = cfg!(all(
    target_os = "linux",
    target_pointer_width = "64",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(feature = "libc-ioctl")
));

/// Converts a request number for a libc whose `ioctl` takes `unsigned long` (glibc,
/// uclibc). The value is zero-extended, never sign-extended.
pub const fn request_as_c_ulong(request: u32) -> c_ulong {
    request as c_ulong
}

/// Converts a request number for a libc whose `ioctl` takes `int` (musl, bionic). The bits
/// are kept as they are; the kernel reads the request as `unsigned int`, so a number above
/// `i32::MAX` still reaches it unchanged.
pub const fn request_as_c_int(request: u32) -> c_int {
    request as c_int
}

/// Converts a request number to the type that this target's `libc::ioctl` takes.
pub const fn request_for_libc(request: u32) -> libc::Ioctl {
    #[cfg(any(target_env = "musl", target_os = "android", target_env = "ohos"))]
    {
        request_as_c_int(request)
    }
    #[cfg(not(any(target_env = "musl", target_os = "android", target_env = "ohos")))]
    {
        request_as_c_ulong(request)
    }
}

/// Calls `ioctl(fd, request, arg)` and returns its result, 0 or more, or the error that
/// the call reported.
///
/// The call takes the path that [`RAW_SYSCALL`] names. `EINTR` is returned like any other
/// error; nothing is retried. A negative return value that is not an error number (only a
/// driver that returns one produces it) becomes an [`io::ErrorKind::InvalidData`] error, so
/// `Ok` never contains a negative value.
///
/// # Safety
///
/// The caller guarantees that, for the driver behind `fd`, `request` with `arg` accesses
/// only memory that the caller has made valid for that access: readable where the kernel
/// reads and writable where it writes, for the bytes the request uses.
#[inline(always)]
pub unsafe fn ioctl(fd: BorrowedFd<'_>, request: u32, arg: *mut c_void) -> io::Result<c_int> {
    #[cfg(all(
        target_os = "linux",
        target_pointer_width = "64",
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(feature = "libc-ioctl")
    ))]
    {
        // SAFETY: the caller's guarantee is the one that `raw_ioctl` requires.
        unsafe { linux_raw::ioctl(fd, request, arg) }
    }
    #[cfg(not(all(
        target_os = "linux",
        target_pointer_width = "64",
        any(target_arch = "x86_64", target_arch = "aarch64"),
        not(feature = "libc-ioctl")
    )))]
    {
        // SAFETY: the caller's guarantee is the one that `libc_ioctl` requires.
        unsafe { libc_ioctl(fd, request, arg) }
    }
}

/// Calls the C library's `ioctl(fd, request, arg)`, the path that [`ioctl`] takes when
/// [`RAW_SYSCALL`] is false. Results and errors are those of [`ioctl`]. Not a public API:
/// it lets tests and benchmarks compare both paths in one build.
///
/// # Safety
///
/// The same as for [`ioctl`].
#[doc(hidden)]
#[inline(always)]
pub unsafe fn libc_ioctl(fd: BorrowedFd<'_>, request: u32, arg: *mut c_void) -> io::Result<c_int> {
    // SAFETY: the caller guarantees that `arg` is valid for what `request` does on `fd`,
    // and `fd` is an open descriptor for the duration of the borrow.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), request_for_libc(request), arg) };
    if ret < 0 {
        return Err(libc_error(ret));
    }
    Ok(ret)
}

/// Builds the error for a negative return of the C library's `ioctl`. The C library
/// returns -1 for every failure and sets `errno`, which must still hold the call's value
/// here. Any other negative value came from the driver unchanged.
#[cold]
#[inline(never)]
fn libc_error(ret: c_int) -> io::Error {
    if ret == -1 {
        io::Error::last_os_error()
    } else {
        negative_return(ret)
    }
}

/// Builds the error for a negative return value that is not an error number.
#[cold]
fn negative_return(value: c_int) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("ioctl returned {value}, a negative value that is not an error number"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_as_c_ulong_zero_extends() {
        assert_eq!(request_as_c_ulong(0xC004_AE02), 0xC004_AE02 as c_ulong);
        assert_eq!(request_as_c_ulong(0xC010_5300), 0xC010_5300 as c_ulong);
        assert_eq!(request_as_c_ulong(0x0000_AE00), 0xAE00);
    }

    #[test]
    fn request_as_c_int_keeps_bits() {
        let converted = request_as_c_int(0xC004_AE02);
        assert!(converted < 0, "the high bit is the sign bit of an int");
        assert_eq!(converted as u32, 0xC004_AE02);
        assert_eq!(request_as_c_int(0xC010_5300) as u32, 0xC010_5300);
        // The kernel takes the request as `unsigned int`: the low 32 bits of whatever
        // register value reaches it. Sign extension of an int leaves them unchanged.
        assert_eq!(converted as i64 as u64 as u32, 0xC004_AE02);
    }

    #[test]
    fn libc_error_reads_errno_after_minus_one() {
        // SAFETY: `__errno_location` returns this thread's `errno`, valid for writes.
        unsafe { *libc::__errno_location() = libc::ENOTTY };
        let error = libc_error(-1);
        assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    }

    #[test]
    fn libc_error_rejects_other_negative_values() {
        let error = libc_error(-5000);
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert_eq!(error.raw_os_error(), None);
        assert!(error.to_string().contains("-5000"), "{error}");
    }

    #[test]
    fn raw_syscall_matches_target_and_feature() {
        let direct_target = cfg!(all(
            target_os = "linux",
            target_pointer_width = "64",
            any(target_arch = "x86_64", target_arch = "aarch64")
        ));
        assert_eq!(RAW_SYSCALL, direct_target && !cfg!(feature = "libc-ioctl"));
    }

    #[test]
    fn request_for_libc_round_trips() {
        for request in [0u32, 0xAE00, 0x7FFF_FFFF, 0x8000_0000, 0xC004_AE02, 0xFFFF_FFFF] {
            #[allow(clippy::unnecessary_cast)]
            let back = request_for_libc(request) as u32;
            assert_eq!(back, request);
        }
    }
}
