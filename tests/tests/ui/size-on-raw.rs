use ioctl_core::ioctl;

ioctl! {
    unsafe {
        pub read GET_VALUE = raw 0x541B => i32 size u32;
    }
}

fn main() {}
