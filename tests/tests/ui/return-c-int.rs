use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none GET_VERSION = 0x00 -> std::ffi::c_int;
    }
}

fn main() {}
