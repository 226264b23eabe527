use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub write SET_VALUE = 0x01 => u32 -> zero;
    }
}

fn set(file: &std::fs::File) -> std::io::Result<()> {
    let mut value = 0u64;
    SET_VALUE.call(file, &mut value)
}

fn main() {}
