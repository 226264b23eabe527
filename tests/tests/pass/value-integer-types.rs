//! Every integer type of the target's register width can be passed by value, including
//! `u64` and `c_ulong` on 64-bit targets.

use std::ffi::{c_int, c_ulong};

use ioctl_core::ioctl;

ioctl! {
    // SAFETY: fixture declarations; the program never issues them.
    unsafe {
        group 0xAE;
        pub none SET_LONG = 0x01 (c_ulong);
        pub none SET_INT = 0x02 (c_int);
        pub none SET_USIZE = 0x03 (usize);
        pub none SET_BYTE = 0x04 (u8);
        pub write SET_WORD = 0x05 (u32);
    }
}

#[cfg(target_pointer_width = "64")]
ioctl! {
    // SAFETY: fixture declarations; the program never issues them.
    unsafe {
        group 0xAF;
        pub none SET_U64 = 0x01 (u64);
        pub none SET_I64 = 0x02 (i64);
    }
}

fn main() {
    // A `none` ioctl encodes size 0 even with a by-value argument; `write` encodes its size.
    assert_eq!(SET_LONG.decode().size, 0);
    assert_eq!(SET_WORD.decode().size, 4);
    #[cfg(target_pointer_width = "64")]
    assert_eq!(SET_U64.decode().size, 0);
}
