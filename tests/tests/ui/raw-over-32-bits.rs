use ioctl_core::ioctl;

ioctl! {
    unsafe {
        pub read GET_VALUE = raw 0x1_0000_541B => u32;
    }
}

fn main() {}
