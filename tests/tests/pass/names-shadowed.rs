//! The expansion names everything by absolute path, so caller items that share a name
//! with a prelude type, a crate or a function it uses do not change its meaning.

#![allow(dead_code, non_camel_case_types, non_snake_case)]

use ::ioctl_core::ioctl;

mod libc {}
mod ioctl_core {}
struct Result;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Box;
struct Vec;
struct String;
fn size_of() {}
fn align_of() {}
trait From {}
trait AsFd {}
trait AsRawFd {}
trait Debug {}
trait Handle {}
trait Target {}
struct Ioctl;
struct OwnedFd;
mod fmt {}
mod io {}

mod shadowed_core {
    #![allow(dead_code)]

    use ::ioctl_core::{ioctl, AnyBitPattern};

    mod core {}
    mod std {}
    mod ioctl_core {}

    #[repr(C)]
    #[derive(::core::clone::Clone, ::core::marker::Copy, AnyBitPattern)]
    pub struct Pair {
        pub first: u32,
        pub second: u32,
    }

    ioctl! {
        // SAFETY: fixture declarations; the program never issues them.
        unsafe {
            group 0xAE;
            pub table INNER_IOCTLS;
            pub fd Device = "/dev/null";
            pub read GET_PAIR = 0x01 => Pair on Device;
            pub read GET_PAIR_WIDE = 0x01 => [i32; 3] on Device;
            pub none CREATE_CHILD = 0x02 on Device -> Device;
        }
    }

    pub fn get_pair(device: &Device) -> ::std::io::Result<Pair> {
        GET_PAIR.call(device)
    }
}

ioctl! {
    // SAFETY: fixture declarations; the program never issues them.
    unsafe {
        group 0xAE;
        pub table IOCTLS;
        pub fd Device = "/dev/null";
        pub read GET_VALUE = 0x01 => u32 on Device;
        pub write SET_VALUE = 0x02 => u32 on Device -> zero;
        pub readwrite SWAP_VALUE = 0x03 => u32 on Device;
        pub none SET_ID = 0x04 (u32) on Device -> fd;
        pub none CREATE_CHILD = 0x05 on Device -> Device;
        pub read GET_WIDE_VALUE = 0x01 => i64 on Device;
    }
}

fn use_device(device: &Device) -> ::std::io::Result<u32> {
    let mut value = GET_VALUE.call(device)?;
    SET_VALUE.call(device, &value)?;
    SWAP_VALUE.call(device, &mut value)?;
    let _fd: ::std::os::fd::OwnedFd = SET_ID.call(device, 7)?;
    let _child: Device = CREATE_CHILD.call(device)?;
    ::std::result::Result::Ok(value)
}

fn main() {
    let _ = use_device;
    let _ = shadowed_core::get_pair;
    ::std::assert_eq!(IOCTLS.len(), 6);
    ::std::assert_eq!(shadowed_core::INNER_IOCTLS.len(), 3);
}
