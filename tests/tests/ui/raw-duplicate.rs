use ioctl_core::ioctl;

ioctl! {
    unsafe {
        pub read BYTES_READABLE = raw 0x541B => i32;
        pub read BYTES_AVAILABLE = raw 0x541B => i32;
    }
}

fn main() {}
