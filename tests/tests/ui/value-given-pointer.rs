use std::ffi::c_ulong;

use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none SET_ID = 0x01 (c_ulong) -> zero;
    }
}

fn set_id(file: &std::fs::File) -> std::io::Result<()> {
    let id: c_ulong = 1;
    SET_ID.call(file, &id)
}

fn main() {}
