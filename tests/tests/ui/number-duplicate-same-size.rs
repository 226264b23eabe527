use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_VALUE = 0x01 => u32;
        pub read GET_SIGNED_VALUE = 0x01 => i32;
    }
}

fn main() {}
