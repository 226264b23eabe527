// Expansion of:
// ioctl! { unsafe { pub read FIONREAD = raw 0x541B => i32 ; } }

/**A classic ioctl with the complete request number `0x0000541b`; direction `read`.

Applies to any file descriptor. The kernel writes the payload, `i32`, which the call returns. The kernel returns 0 on success.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const FIONREAD: ::ioctl_core::__private::Ioctl<
    ::ioctl_core::__private::AnyFd,
    ::ioctl_core::__private::Read<i32>,
    ::ioctl_core::__private::Zero,
> = unsafe {
    ::ioctl_core::__private::read(::ioctl_core::__private::Spec::Raw(0x0000541Bu32))
};
