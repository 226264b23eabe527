use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub readwrite UPDATE_VALUE = 0x01 => u32;
    }
}

fn update(file: &std::fs::File) -> std::io::Result<()> {
    let value = 0u32;
    UPDATE_VALUE.call(file, value)?;
    Ok(())
}

fn main() {}
