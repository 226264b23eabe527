//! File-descriptor kinds: which fd an ioctl applies to, and typed handles that own one.

use std::ffi::CString;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// The fd kind of an ioctl that applies to any file descriptor, such as `FIONREAD`.
///
/// An ioctl declared without `on Kind` accepts anything that implements [`AsFd`].
#[derive(Clone, Copy, Debug)]
pub enum AnyFd {}

/// A value whose file descriptor is of kind `K`, so that ioctls declared `on K` accept it.
///
/// The `ioctl!` macro implements `Target<H>` for each handle type `H` that it declares
/// with `fd H;`, and every [`AsFd`] type is a `Target<AnyFd>`.
///
/// # Safety
///
/// By implementing this trait you guarantee that the descriptor returned by
/// [`AsFd::as_fd`] refers to a file of kind `K`: one whose driver gives each request
/// declared `on K` the meaning that its declaration states.
#[diagnostic::on_unimplemented(
    message = "this ioctl applies to `{K}` file descriptors, not to `{Self}`",
    label = "expected a `{K}` handle",
    note = "pass a reference to the handle the ioctl is declared `on`, or, for an ioctl declared without `on`, any `AsFd` value such as a `File`; a raw integer fd is never accepted"
)]
pub unsafe trait Target<K: ?Sized>: AsFd {}

// SAFETY: an ioctl declared for any fd makes no assumption about the file.
unsafe impl<T: AsFd + ?Sized> Target<AnyFd> for T {}

/// The descriptor inside a handle `H` declared with `fd H;`.
///
/// The handle's field has this type rather than `OwnedFd`, so that even code in the
/// module that declares `H` cannot build one from an arbitrary descriptor without
/// `unsafe`, nor move the descriptor of one kind of handle into another.
pub struct HandleFd<H> {
    fd: OwnedFd,
    marker: PhantomData<fn() -> H>,
}

impl<H> HandleFd<H> {
    /// Wraps `fd` as the descriptor of a handle `H`.
    ///
    /// # Safety
    ///
    /// `fd` must be a descriptor of the kind that `H` names; see
    /// [`Handle::from_fd_unchecked`].
    pub unsafe fn new(fd: OwnedFd) -> HandleFd<H> {
        HandleFd { fd, marker: PhantomData }
    }

    /// Borrows the descriptor.
    #[inline]
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Returns the descriptor number.
    #[inline]
    pub fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Returns the descriptor, which stops being a handle's.
    pub fn into_owned(self) -> OwnedFd {
        self.fd
    }
}

/// A typed handle that owns a file descriptor of one kind, declared with `fd Name;` in
/// `ioctl!`.
///
/// # Safety
///
/// By implementing this trait you guarantee that every value of `Self` owns a descriptor
/// of the kind that `Self` names, and that [`from_fd_unchecked`](Handle::from_fd_unchecked)
/// is the only way to build one from an arbitrary fd.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handle declared with `fd {Self};`",
    label = "not a typed handle",
    note = "write `-> fd` for an `OwnedFd`, `-> count` for a number, or declare the handle with `fd {Self};` in an `ioctl!` invocation"
)]
pub unsafe trait Handle: AsFd + Into<OwnedFd> + Sized {
    /// The handle's name, used in messages.
    const NAME: &'static str;

    /// Wraps `fd` without checking its kind.
    ///
    /// # Safety
    ///
    /// `fd` must be a descriptor of the kind that `Self` names. Every ioctl declared for
    /// `Self` will be sent to it, so a descriptor of another driver may interpret the
    /// request numbers differently and write memory that the declaration does not expect.
    unsafe fn from_fd_unchecked(fd: OwnedFd) -> Self;
}

/// An error from opening a device node, carrying its path.
///
/// It is returned inside an [`io::Error`] of the same [`io::ErrorKind`]; use
/// [`OpenError::from_io`] to get it back.
#[derive(Debug)]
pub struct OpenError {
    path: &'static str,
    source: io::Error,
}

impl OpenError {
    /// Returns the path of the device that could not be opened.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// Returns the error of the `open` call.
    pub fn os_error(&self) -> &io::Error {
        &self.source
    }

    /// Returns the `OpenError` inside an `io::Error` returned by a handle's `open`.
    pub fn from_io(error: &io::Error) -> Option<&OpenError> {
        error.get_ref()?.downcast_ref::<OpenError>()
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.source.kind() {
            io::ErrorKind::NotFound => "; the device node does not exist: is the driver loaded?",
            io::ErrorKind::PermissionDenied => {
                "; run as root or as a user with read and write access to it"
            }
            _ => "",
        };
        write!(f, "cannot open {}: {}{hint}", self.path, self.source)
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Opens a device node for reading and writing, with `O_CLOEXEC`.
///
/// On failure the returned [`io::Error`] has the kind of the `open` error and wraps an
/// [`OpenError`] that names `path`.
pub fn open_device(path: &'static str) -> io::Result<OwnedFd> {
    let c_path = CString::new(path).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            OpenError {
                path,
                source: io::Error::from(io::ErrorKind::InvalidInput),
            },
        )
    })?;
    // SAFETY: `c_path` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::open(c_path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        let source = io::Error::last_os_error();
        return Err(io::Error::new(source.kind(), OpenError { path, source }));
    }
    // SAFETY: `open` returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_device_names_missing_path() {
        let error = open_device("/nonexistent/ioctl-core-test-device").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        let open_error = OpenError::from_io(&error).expect("wraps an OpenError");
        assert_eq!(open_error.path(), "/nonexistent/ioctl-core-test-device");
        assert_eq!(open_error.os_error().raw_os_error(), Some(libc::ENOENT));
        let message = error.to_string();
        assert!(message.starts_with("cannot open /nonexistent/ioctl-core-test-device: "), "{message}");
        assert!(message.contains("driver loaded"), "{message}");
    }

    #[test]
    fn open_device_rejects_interior_nul() {
        let error = open_device("/dev/null\0x").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn open_device_opens_dev_null() {
        let fd = open_device("/dev/null").expect("/dev/null opens");
        // SAFETY: F_GETFD only reads the descriptor flags of an fd that `fd` owns.
        let flags = unsafe { libc::fcntl(std::os::fd::AsRawFd::as_raw_fd(&fd), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }
}
