use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none SET_VALUE = 0x01 (u32, u32);
    }
}

fn main() {}
