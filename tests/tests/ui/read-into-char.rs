use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_LETTER = 0x01 => char;
    }
}

fn main() {}
