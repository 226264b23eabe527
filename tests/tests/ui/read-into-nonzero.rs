use std::num::NonZeroU32;

use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_ID = 0x01 => NonZeroU32;
    }
}

fn main() {}
