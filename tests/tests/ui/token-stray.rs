use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_VALUE = 0x01 => u32 extra;
    }
}

fn main() {}
