//! Copies between the supervisor and the memory of the task whose system call it serves.

use std::io;
use std::mem::MaybeUninit;

use libc::{c_void, iovec, pid_t};

/// Reads `len` bytes at `address` in task `pid`.
///
/// The kernel copies the bytes, so a bad address is an `EFAULT` error and never a fault
/// in this process. A short copy (the range ends in unmapped memory) is an `EFAULT` error
/// too.
pub(crate) fn read(pid: pid_t, address: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; len];
    if len == 0 {
        return Ok(bytes);
    }
    let local = iovec {
        iov_base: bytes.as_mut_ptr().cast::<c_void>(),
        iov_len: len,
    };
    let remote = iovec {
        iov_base: address as usize as *mut c_void,
        iov_len: len,
    };
    // SAFETY: `local` describes `bytes`, which is writable for `len` bytes; the remote
    // range is only read, by the kernel, which checks it.
    let copied = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    check_copied(copied, len)?;
    Ok(bytes)
}

/// Writes `bytes` to `address` in task `pid`.
///
/// # Safety
///
/// The range `address .. address + bytes.len()` in task `pid` is memory that the task
/// handed to the pending system call for the kernel to write. It stays allocated until
/// the call returns, and every bit pattern of it is valid for its type.
pub(crate) unsafe fn write(pid: pid_t, address: u64, bytes: &[MaybeUninit<u8>]) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    // The kernel only reads the local buffer, so the cast from `*const` is sound.
    let local = iovec {
        iov_base: bytes.as_ptr().cast_mut().cast::<c_void>(),
        iov_len: bytes.len(),
    };
    let remote = iovec {
        iov_base: address as usize as *mut c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: `local` describes `bytes`, readable for its length; the caller guarantees
    // that the remote range is writable memory of a pending system call.
    let copied = unsafe { libc::process_vm_writev(pid, &local, 1, &remote, 1, 0) };
    check_copied(copied, bytes.len())
}

fn check_copied(copied: isize, len: usize) -> io::Result<()> {
    if copied < 0 {
        return Err(io::Error::last_os_error());
    }
    if copied as usize != len {
        return Err(io::Error::from_raw_os_error(libc::EFAULT));
    }
    Ok(())
}

/// Returns `bytes` as a slice of possibly uninitialized bytes, for [`write`].
pub(crate) fn as_maybe_uninit(bytes: &[u8]) -> &[MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the size, alignment and validity of `u8`, and the
    // slice is only read.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<MaybeUninit<u8>>(), bytes.len()) }
}

/// Copies the bytes of `value`, padding included, without reading them as `u8`.
pub(crate) fn bytes_of<T>(value: &T) -> Box<[MaybeUninit<u8>]> {
    let mut bytes = vec![MaybeUninit::<u8>::uninit(); size_of::<T>()].into_boxed_slice();
    // SAFETY: both ranges are `size_of::<T>()` bytes long and do not overlap; copying into
    // `MaybeUninit<u8>` keeps padding bytes uninitialized instead of reading them.
    unsafe {
        std::ptr::copy_nonoverlapping((value as *const T).cast::<MaybeUninit<u8>>(), bytes.as_mut_ptr(), size_of::<T>());
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_copies_own_memory() {
        let source = *b"payload";
        let bytes = read(std::process::id() as pid_t, source.as_ptr() as u64, source.len()).unwrap();
        assert_eq!(bytes, source);
    }

    #[test]
    fn read_reports_bad_address() {
        let error = read(std::process::id() as pid_t, 8, 4).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EFAULT));
    }

    #[test]
    fn write_fills_own_buffer() {
        let mut target = [0u8; 4];
        let value = 0x0403_0201u32.to_le();
        // SAFETY: `target` is a live local array of 4 bytes, and any bytes are valid u8.
        unsafe { write(std::process::id() as pid_t, target.as_mut_ptr() as u64, &bytes_of(&value)) }.unwrap();
        assert_eq!(target, [1, 2, 3, 4]);
    }
}
