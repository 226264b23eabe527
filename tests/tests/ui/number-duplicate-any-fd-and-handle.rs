use ioctl_core::ioctl;

// An ioctl without `on` accepts every descriptor, a `Device` handle included, so it
// shares the handle's numbers.
ioctl! {
    unsafe {
        group 0xAE;
        pub fd Device;
        pub none RESET = 0x02;
        pub none RESET_DEVICE = 0x02 on Device;
    }
}

fn main() {}
