// Expansion of:
// ioctl! { unsafe { pub fd Kvm = "/dev/kvm" ; } }

/**

A typed handle for `/dev/kvm`, declared with `ioctl!`: it owns its file descriptor, and only ioctls declared `on Kvm` accept it.*/
pub struct Kvm {
    fd: ::ioctl_core::__private::HandleFd<Kvm>,
}
impl Kvm {
    /**Opens `/dev/kvm` for reading and writing, with `O_CLOEXEC`.

On failure the error names the device; [`ioctl_core::OpenError::from_io`] returns its details.*/
    pub fn open() -> ::std::io::Result<Self> {
        let fd = ::ioctl_core::__private::open_device("/dev/kvm")?;
        let fd = unsafe { ::ioctl_core::__private::HandleFd::new(fd) };
        ::core::result::Result::Ok(Kvm { fd })
    }
    /// Wraps `fd` without checking what it refers to.
    ///
    /// # Safety
    ///
    /// `fd` must be a descriptor of this handle's kind: every ioctl declared for it
    /// will be sent to `fd`, and a file of another driver may interpret those request
    /// numbers differently and write memory the declaration does not expect.
    pub unsafe fn from_fd_unchecked(fd: ::ioctl_core::__private::OwnedFd) -> Self {
        Kvm {
            fd: unsafe { ::ioctl_core::__private::HandleFd::new(fd) },
        }
    }
}
impl ::ioctl_core::__private::AsFd for Kvm {
    #[inline]
    fn as_fd(&self) -> ::ioctl_core::__private::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
impl ::ioctl_core::__private::AsRawFd for Kvm {
    #[inline]
    fn as_raw_fd(&self) -> ::ioctl_core::__private::RawFd {
        self.fd.as_raw_fd()
    }
}
impl ::core::convert::From<Kvm> for ::ioctl_core::__private::OwnedFd {
    fn from(handle: Kvm) -> Self {
        handle.fd.into_owned()
    }
}
impl ::ioctl_core::__private::fmt::Debug for Kvm {
    fn fmt(
        &self,
        f: &mut ::ioctl_core::__private::fmt::Formatter<'_>,
    ) -> ::ioctl_core::__private::fmt::Result {
        f.debug_tuple("Kvm").field(&self.fd.as_raw_fd()).finish()
    }
}
unsafe impl ::ioctl_core::__private::Target<Kvm> for Kvm {}
unsafe impl ::ioctl_core::__private::Handle for Kvm {
    const NAME: &'static str = "Kvm";
    unsafe fn from_fd_unchecked(fd: ::ioctl_core::__private::OwnedFd) -> Self {
        Kvm {
            fd: unsafe { ::ioctl_core::__private::HandleFd::new(fd) },
        }
    }
}
