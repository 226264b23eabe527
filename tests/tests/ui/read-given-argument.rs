use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_VALUE = 0x01 => u32;
    }
}

fn get(file: &std::fs::File) -> std::io::Result<u32> {
    let mut value = 0u32;
    GET_VALUE.call(file, &mut value)
}

fn main() {}
