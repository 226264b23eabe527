//! The `ioctl` system call issued inline, without the C library, on Linux x86_64 and
//! aarch64 with 64-bit pointers.
//!
//! The instruction and its register constraints come from `syscalls::raw::syscall3`. On
//! x86_64 it is `syscall`, with the number in `rax`, the arguments in `rdi`, `rsi` and
//! `rdx`, and `rcx` and `r11` clobbered. On aarch64 it is `svc 0`, with the number in `x8`
//! and the arguments in `x0` to `x2`. The function is small and marked `#[inline]`, so a
//! release build places it in the caller without link-time optimization. The x32 ABI (x86_64 with 32-bit pointers) uses other
//! system-call numbers and is left to the C library.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use libc::{c_int, c_void};
use syscalls::Sysno;

/// The lowest raw return value, as a signed number, that is a negated error number. The
/// kernel's error numbers are 1 to 4095, and the C library's system-call wrappers use the
/// same bound.
const MIN_ERROR_RETURN: isize = -4095;

/// Issues the `ioctl` system call inline and returns its result, 0 or more, or the error
/// number that the kernel returned. The C library's `ioctl` is not called and `errno` is
/// left unchanged.
///
/// Results and errors are those of the C library path, [`super::libc_ioctl`].
///
/// # Safety
///
/// The same as for [`super::ioctl`]: for the driver behind `fd`, `request` with `arg`
/// accesses only memory that the caller has made valid for that access.
#[inline(always)]
pub unsafe fn ioctl(fd: BorrowedFd<'_>, request: u32, arg: *mut c_void) -> io::Result<c_int> {
    // The kernel reads the descriptor and the request as `unsigned int`, the low 32 bits of
    // each register, so extending them to `usize` changes nothing the kernel reads.
    let fd = fd.as_raw_fd() as usize;
    let request = request as usize;
    let address = arg.expose_provenance();
    // SAFETY: `ioctl` takes three arguments. The caller guarantees that the memory the
    // request accesses through `arg` is valid for that access, and the borrow keeps `fd`
    // open during the call. `syscall3` declares every register that the kernel changes.
    let ret = unsafe { syscalls::raw::syscall3(Sysno::ioctl as usize, fd, request, address) };
    result_from_syscall(ret)
}

/// Converts the raw return value of the `ioctl` system call to the result that the C
/// library's `ioctl` gives.
///
/// -4095 to -1 is a negated error number. Any other value is the driver's result,
/// truncated to `c_int` as the C function's return type truncates it, and a negative one
/// becomes an [`io::ErrorKind::InvalidData`] error as on the C library path.
#[inline(always)]
fn result_from_syscall(ret: usize) -> io::Result<c_int> {
    // An error number also makes the truncated value negative, so the hot path has one
    // test, the same as after the C library's call.
    let value = ret as c_int;
    if value < 0 {
        return Err(syscall_error(ret));
    }
    Ok(value)
}

/// Builds the error for a raw return value whose low 32 bits are negative.
#[cold]
#[inline(never)]
fn syscall_error(ret: usize) -> io::Error {
    let signed = ret as isize;
    if (MIN_ERROR_RETURN..0).contains(&signed) {
        io::Error::from_raw_os_error(-signed as c_int)
    } else {
        super::negative_return(ret as c_int)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negated(errno: c_int) -> usize {
        -(errno as isize) as usize
    }

    #[test]
    fn non_negative_values_pass_through() {
        assert_eq!(result_from_syscall(0).unwrap(), 0);
        assert_eq!(result_from_syscall(12).unwrap(), 12);
        assert_eq!(result_from_syscall(i32::MAX as usize).unwrap(), i32::MAX);
    }

    #[test]
    fn error_range_becomes_os_error() {
        for errno in [libc::EPERM, libc::EBADF, libc::ENOTTY, libc::EINTR, 4095] {
            let error = result_from_syscall(negated(errno)).unwrap_err();
            assert_eq!(error.raw_os_error(), Some(errno), "errno {errno}");
        }
    }

    #[test]
    fn negative_outside_error_range_is_invalid_data() {
        for ret in [negated(4096), negated(5000), 0x8000_0000, u32::MAX as usize] {
            let error = result_from_syscall(ret).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "ret {ret:#x}");
            assert_eq!(error.raw_os_error(), None, "ret {ret:#x}");
        }
    }

    #[test]
    fn wide_values_truncate_like_libc() {
        // The C function returns `int`, so only the low 32 bits of the kernel's `long`
        // reach its caller.
        assert_eq!(result_from_syscall(0x1_0000_0007).unwrap(), 7);
    }
}
