use ioctl_core::ioctl;

ioctl! {
    unsafe {
        pub read GET_VALUE = raw => u32;
    }
}

fn main() {}
