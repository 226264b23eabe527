use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none SET_VALUE = 0x01 (&'static u32);
    }
}

fn main() {}
