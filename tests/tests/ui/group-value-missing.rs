use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group;
        pub read GET_VALUE = 0x01 => u32;
    }
}

fn main() {}
