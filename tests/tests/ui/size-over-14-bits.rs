use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_BUFFER = 0x01 => [u8; 16384];
    }
}

fn main() {}
