use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read_write UPDATE_VALUE = 0x01 => u32;
    }
}

fn main() {}
