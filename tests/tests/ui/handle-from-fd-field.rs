use std::os::fd::OwnedFd;

use ioctl_core::ioctl;

mod declarations {
    use super::ioctl;

    ioctl! {
        unsafe {
            group 0xAE;
            pub fd Vcpu;
        }
    }
}

fn wrap(fd: OwnedFd) -> declarations::Vcpu {
    declarations::Vcpu { fd }
}

fn main() {}
