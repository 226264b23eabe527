use ioctl_core::{ioctl, AnyBitPattern};

#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern)]
pub struct List {
    count: u32,
}

ioctl! {
    unsafe {
        group 0xAE;
        pub readwrite LIST = 0x02 => List[];
    }
}

fn main() {}
