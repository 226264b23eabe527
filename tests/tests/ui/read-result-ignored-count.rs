use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_VALUE = 0x01 => u32 -> count;
    }
}

fn get(file: &std::fs::File) -> std::io::Result<u32> {
    GET_VALUE.call(file)
}

fn main() {}
