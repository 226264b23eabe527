use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};

use ioctl_core::{ioctl, Target};

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vcpu;
    }
}

pub struct NullDevice(File);

impl AsFd for NullDevice {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl Target<Vcpu> for NullDevice {}

fn main() {}
