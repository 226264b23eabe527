use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub write SET_ID = 0x01 (u32) as read;
    }
}

fn main() {}
