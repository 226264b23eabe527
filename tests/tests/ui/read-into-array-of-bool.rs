use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_FLAGS = 0x01 => [bool; 8];
    }
}

fn main() {}
