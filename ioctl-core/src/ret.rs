//! Return-value policies: what a successful ioctl's non-negative return value means.
//!
//! The `ioctl!` DSL picks one with `-> count`, `-> zero`, `-> fd` or `-> Handle`. Without
//! a clause, `read` ioctls use [`Zero`] and all others use [`Count`].

use std::io;
use std::marker::PhantomData;
use std::os::fd::{FromRawFd, OwnedFd};

use libc::c_int;

use crate::fd::Handle;

/// A return-value policy: how a successful call's return value becomes its output.
///
/// # Safety
///
/// By implementing this trait you guarantee that [`from_return`](Return::from_return)
/// takes ownership of a descriptor only when the ioctl's declaration, through the safety
/// contract of [`Ioctl::new`](crate::Ioctl::new), promises one.
pub unsafe trait Return {
    /// The output of a call of an ioctl without a `read` payload.
    type Output;

    /// The output of a `read` ioctl whose payload has type `T`.
    type WithValue<T>;

    /// Converts a non-negative return value into the output.
    ///
    /// # Safety
    ///
    /// `ret` is what the ioctl returned, and the ioctl's declaration chose this policy.
    unsafe fn from_return(ret: c_int) -> io::Result<Self::Output>;

    /// Joins the output with the value that a `read` ioctl produced.
    fn with_value<T>(output: Self::Output, value: T) -> Self::WithValue<T>;
}

/// The return value is a count or other number that the caller needs: the output is the
/// `c_int` that the kernel returned, always 0 or more.
#[derive(Clone, Copy, Debug)]
pub enum Count {}

// SAFETY: takes ownership of nothing.
unsafe impl Return for Count {
    type Output = c_int;
    type WithValue<T> = (c_int, T);

    #[inline(always)]
    unsafe fn from_return(ret: c_int) -> io::Result<c_int> {
        Ok(ret)
    }

    #[inline(always)]
    fn with_value<T>(output: c_int, value: T) -> (c_int, T) {
        (output, value)
    }
}

/// The kernel returns 0 on success: the output is `()`, and any other non-negative value
/// is an [`io::ErrorKind::InvalidData`] error.
#[derive(Clone, Copy, Debug)]
pub enum Zero {}

// SAFETY: takes ownership of nothing.
unsafe impl Return for Zero {
    type Output = ();
    type WithValue<T> = T;

    #[inline(always)]
    unsafe fn from_return(ret: c_int) -> io::Result<()> {
        if ret == 0 {
            Ok(())
        } else {
            Err(unexpected_return(ret))
        }
    }

    #[inline(always)]
    fn with_value<T>((): (), value: T) -> T {
        value
    }
}

#[cold]
fn unexpected_return(ret: c_int) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("ioctl returned {ret} where its declaration expects 0; declare it `-> count` if positive values are meaningful"),
    )
}

/// The return value is a new file descriptor: the output is an [`OwnedFd`] that closes it
/// when dropped.
#[derive(Clone, Copy, Debug)]
pub enum Fd {}

// SAFETY: the declaration promises that a non-negative return is a new descriptor that the
// caller owns.
unsafe impl Return for Fd {
    type Output = OwnedFd;
    type WithValue<T> = (OwnedFd, T);

    #[inline(always)]
    unsafe fn from_return(ret: c_int) -> io::Result<OwnedFd> {
        // SAFETY: the caller's declaration promises that `ret` is a new descriptor owned by
        // nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(ret) })
    }

    #[inline(always)]
    fn with_value<T>(output: OwnedFd, value: T) -> (OwnedFd, T) {
        (output, value)
    }
}

/// The return value is a new file descriptor of the kind that handle `H` names: the
/// output is an `H` that owns it.
pub struct Typed<H>(PhantomData<fn() -> H>);

// SAFETY: the declaration promises that a non-negative return is a new descriptor of the
// kind `H` names, owned by the caller.
unsafe impl<H: Handle> Return for Typed<H> {
    type Output = H;
    type WithValue<T> = (H, T);

    #[inline(always)]
    unsafe fn from_return(ret: c_int) -> io::Result<H> {
        // SAFETY: the declaration promises a new descriptor of kind `H` owned by nobody
        // else; it is wrapped at once, so it is closed on every later path.
        Ok(unsafe { H::from_fd_unchecked(OwnedFd::from_raw_fd(ret)) })
    }

    #[inline(always)]
    fn with_value<T>(output: H, value: T) -> (H, T) {
        (output, value)
    }
}
