//! `#[cfg]` on a declaration removes its constant, its table entry and the checks that
//! name it.

#![allow(dead_code)]

use ioctl_core::ioctl;

ioctl! {
    // SAFETY: fixture declarations; the program never issues them.
    unsafe {
        group 0xAE;
        pub table IOCTLS;

        #[cfg(any())]
        pub fd Removed;
        #[cfg(any())]
        pub read REMOVED_VALUE = 0x01 => u32 on Removed;
        pub read KEPT_VALUE = 0x02 => u32;

        // Same number and size as `KEPT_VALUE`: only the `#[cfg]` keeps the two apart.
        #[cfg(any())]
        pub read REMOVED_SIGNED_VALUE = 0x02 => i32;
    }
}

// These would clash with the declarations above if `#[cfg(any())]` kept them.
struct Removed;
const REMOVED_VALUE: u8 = 0;
const REMOVED_SIGNED_VALUE: u8 = 0;

fn main() {
    assert_eq!(IOCTLS.len(), 1);
    assert_eq!(IOCTLS[0].name, "KEPT_VALUE");
    assert_eq!(KEPT_VALUE.request(), IOCTLS[0].request);
}
