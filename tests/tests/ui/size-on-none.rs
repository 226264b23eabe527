use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none RESET = 0x01 size u32;
    }
}

fn main() {}
