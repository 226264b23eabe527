use std::os::fd::OwnedFd;

use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vcpu;
        pub none RUN = 0x80 on Vcpu -> zero;
    }
}

fn run(fd: &OwnedFd) -> std::io::Result<()> {
    RUN.call(fd)
}

fn main() {}
