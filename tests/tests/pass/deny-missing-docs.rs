//! Every generated item carries the `///` documentation written on its declaration, so a
//! crate that denies `missing_docs` can declare ioctls.

#![deny(missing_docs)]

use ioctl_core::{ioctl, AnyBitPattern};

/// Two 32-bit values.
#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern)]
pub struct Pair {
    /// The first value.
    pub first: u32,
    /// The second value.
    pub second: u32,
}

ioctl! {
    // SAFETY: test declarations, never called.
    unsafe {
        group 0xAE;

        /// Every ioctl below.
        pub table IOCTLS;
        /// A device that opens `/dev/null`.
        pub fd Device = "/dev/null";
        /// A child of `Device`.
        pub fd Child;

        /// Reads a pair.
        pub read GET_PAIR = 0x01 => Pair on Device;
        /// Writes a pair.
        pub write SET_PAIR = 0x02 => Pair on Device -> zero;
        /// Creates a child.
        pub none CREATE_CHILD = 0x03 (u32) on Device -> Child;
    }
}

fn main() {
    assert_eq!(IOCTLS.len(), 3);
}
