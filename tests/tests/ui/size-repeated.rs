use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub write SET_VALUE = 0x01 => u64 size u32 size u16;
    }
}

fn main() {}
