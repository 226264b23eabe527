use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub write SET_BUFFER = 0x01 => u64 size [u8; 16384];
    }
}

fn main() {}
