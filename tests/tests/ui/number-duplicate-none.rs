use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none RESET = 0x01;
        pub none RESTART = 0x01;
    }
}

fn main() {}
