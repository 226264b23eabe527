use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub write SET_VALUE = 0x01 => u32 (std::ffi::c_ulong);
    }
}

fn main() {}
