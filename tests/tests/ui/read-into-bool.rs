use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_ENABLED = 0x01 => bool;
    }
}

fn main() {}
