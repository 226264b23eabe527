use ioctl_core::ioctl;

const NUMBER: u8 = 0x01;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_VALUE = NUMBER => u32;
    }
}

fn main() {}
