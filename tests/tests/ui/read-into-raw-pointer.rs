use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_ADDRESS = 0x01 => *const u8;
    }
}

fn main() {}
