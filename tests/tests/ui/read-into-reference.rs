use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_BYTE = 0x01 => &'static u8;
    }
}

fn main() {}
