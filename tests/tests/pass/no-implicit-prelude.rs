//! A `#![no_implicit_prelude]` module can declare and call ioctls.

mod declarations {
    #![no_implicit_prelude]

    use ::ioctl_core::{ioctl, AnyBitPattern};

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
            pub table IOCTLS;
            pub fd Device = "/dev/null";
            pub read GET_PAIR = 0x01 => Pair on Device;
            pub write SET_PAIR = 0x02 => Pair on Device -> zero;
            pub readwrite SWAP_PAIR = 0x03 => Pair on Device;
            pub none SET_ID = 0x04 (u64) on Device -> count;
            pub none CREATE_CHILD = 0x05 on Device -> Device;
            pub read GET_WIDE_PAIR = 0x01 => [i32; 3] on Device;
            pub read BYTES_READABLE = raw 0x541B => i32;
        }
    }

    pub fn use_device(device: &Device) -> ::std::io::Result<Pair> {
        let mut pair = GET_PAIR.call(device)?;
        SET_PAIR.call(device, &pair)?;
        SWAP_PAIR.call(device, &mut pair)?;
        SET_ID.call(device, 7)?;
        let _child: Device = CREATE_CHILD.call(device)?;
        let _bytes: i32 = BYTES_READABLE.call(device)?;
        ::std::result::Result::Ok(pair)
    }
}

fn main() {
    let _ = declarations::use_device;
    assert_eq!(declarations::IOCTLS.len(), 7);
}
