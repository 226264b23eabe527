//! The system call itself, and the conversion of request numbers to the libc's type.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use libc::{c_int, c_ulong, c_void};

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

/// Calls `ioctl(fd, request, arg)` and returns its non-negative result, or the error
/// that `errno` holds after a return of -1.
///
/// EINTR is returned like any other error; nothing is retried.
///
/// # Safety
///
/// The caller guarantees that, for the driver behind `fd`, `request` with `arg` accesses
/// only memory that the caller has made valid for that access: readable where the kernel
/// reads and writable where it writes, for the bytes the request uses.
#[inline(always)]
pub unsafe fn ioctl(fd: BorrowedFd<'_>, request: u32, arg: *mut c_void) -> io::Result<c_int> {
    // SAFETY: the caller guarantees that `arg` is valid for what `request` does on `fd`,
    // and `fd` is an open descriptor for the duration of the borrow.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), request_for_libc(request), arg) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
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
    fn request_for_libc_round_trips() {
        for request in [0u32, 0xAE00, 0x7FFF_FFFF, 0x8000_0000, 0xC004_AE02, 0xFFFF_FFFF] {
            #[allow(clippy::unnecessary_cast)]
            let back = request_for_libc(request) as u32;
            assert_eq!(back, request);
        }
    }
}
