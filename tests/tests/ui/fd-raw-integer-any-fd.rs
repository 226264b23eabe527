use ioctl_core::ioctl;

ioctl! {
    unsafe {
        pub read BYTES_READABLE = raw 0x541B => i32;
    }
}

fn bytes_readable() -> std::io::Result<i32> {
    BYTES_READABLE.call(&0)
}

fn main() {}
