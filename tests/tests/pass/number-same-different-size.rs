//! Two ioctls may share a group, number and direction when their sizes differ, because the
//! size is part of the request number. Linux does this for 32- and 64-bit variants.

use ioctl_core::ioctl;

ioctl! {
    // SAFETY: fixture declarations; the program never issues them.
    unsafe {
        group 0xAE;
        pub read GET_VALUE = 0x01 => u32;
        pub read GET_WIDE_VALUE = 0x01 => u64;
        pub write SET_VALUE = 0x01 => u32;
        pub read GET_PAIR = 0x02 => [u32; 2];
        pub read GET_TRIPLE = 0x02 => [u32; 3];
    }
}

fn main() {
    assert_ne!(GET_VALUE.request(), GET_WIDE_VALUE.request());
    assert_ne!(GET_VALUE.request(), SET_VALUE.request());
    assert_ne!(GET_PAIR.request(), GET_TRIPLE.request());
    if cfg!(target_arch = "x86_64") {
        assert_eq!(GET_VALUE.request(), 0x8004_AE01);
        assert_eq!(GET_WIDE_VALUE.request(), 0x8008_AE01);
        assert_eq!(SET_VALUE.request(), 0x4004_AE01);
    }
}
