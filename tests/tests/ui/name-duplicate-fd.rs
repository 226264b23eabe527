use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Device;
        pub none Device = 0x01;
    }
}

fn main() {}
