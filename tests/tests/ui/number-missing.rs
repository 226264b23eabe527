use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_VALUE = => u32;
    }
}

fn main() {}
