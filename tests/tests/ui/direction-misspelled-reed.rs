use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub reed GET_VALUE = 0x01 => u32;
    }
}

fn main() {}
