use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none RESET = 0x01 -> zero;
    }
}

fn reset(file: &std::fs::File) -> std::io::Result<()> {
    RESET.call(file, 0)
}

fn main() {}
