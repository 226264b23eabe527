//! Code in a `#[forbid(unsafe_code)]` module calls ioctls that a sibling module declares:
//! calls are safe code. The declaration is unsafe code, so under a crate-wide
//! `#![deny(unsafe_code)]` its module needs `#[allow(unsafe_code)]`, and a crate-wide
//! `#![forbid(unsafe_code)]` rejects it (see `tests/ui/forbid-unsafe-code-declaration.rs`).

#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod declarations {
    use ioctl_core::ioctl;

    ioctl! {
        // SAFETY: test declarations, never called.
        unsafe {
            group 0xAE;
            pub fd Device = "/dev/null";
            pub fd Child;
            pub read GET_VALUE = 0x01 => u32 on Device;
            pub readwrite SWAP_VALUE = 0x02 => u32 on Device;
            pub none CREATE_CHILD = 0x03 (u32) on Device -> Child;
            pub read BYTES_READABLE = raw 0x541B => i32;
        }
    }
}

#[forbid(unsafe_code)]
mod caller {
    use crate::declarations::{Child, Device, BYTES_READABLE, CREATE_CHILD, GET_VALUE, SWAP_VALUE};

    pub fn use_device() -> std::io::Result<(Child, i32)> {
        let device = Device::open()?;
        let mut value = GET_VALUE.call(&device)?;
        SWAP_VALUE.call(&device, &mut value)?;
        let child = CREATE_CHILD.call(&device, value)?;
        let bytes = BYTES_READABLE.call(&std::fs::File::open("/dev/null")?)?;
        Ok((child, bytes))
    }
}

fn main() {
    let _ = caller::use_device;
}
