use ioctl_core::ioctl;

ioctl! {
    unsafe {
        #[cfg(target_os = "linux")]
        group 0xAE;
        pub read GET_VALUE = 0x01 => u32;
    }
}

fn main() {}
