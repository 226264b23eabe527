use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub readwrite SWAP_ENABLED = 0x01 => bool;
    }
}

fn main() {}
