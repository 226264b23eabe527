use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none GET_VERSION = 0x00 -> count -> zero;
    }
}

fn main() {}
