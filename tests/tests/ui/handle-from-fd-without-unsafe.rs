use std::os::fd::OwnedFd;

use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vcpu;
    }
}

fn wrap(fd: OwnedFd) -> Vcpu {
    Vcpu::from_fd_unchecked(fd)
}

fn main() {}
