use std::os::fd::OwnedFd;

use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vcpu;
        pub none RUN = 0x80 on Vcpu -> zero;
    }
}

fn release(vcpu: Vcpu) -> std::io::Result<OwnedFd> {
    let fd = OwnedFd::from(vcpu);
    RUN.call(&vcpu)?;
    Ok(fd)
}

fn main() {}
