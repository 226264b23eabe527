use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub write SET_VALUE = 0x01 => u32 -> zero;
    }
}

fn set(file: &std::fs::File) -> std::io::Result<()> {
    SET_VALUE.call(file, 7u32)
}

fn main() {}
