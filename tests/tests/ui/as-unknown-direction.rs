use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read SET_VALUE = 0x01 => u32 as input;
    }
}

fn main() {}
