//! One request number on two handle kinds is legal: the kernel passes each request to the
//! driver of the file it is issued on.

use ioctl_core::ioctl;

ioctl! {
    // SAFETY: test declarations that are never called.
    unsafe {
        group 0xAE;
        pub fd System;
        pub fd Machine;
        pub none CHECK_ON_SYSTEM = 0x03 (u32) on System -> count;
        pub none CHECK_ON_MACHINE = 0x03 (u32) on Machine -> count;
    }
}

fn main() {
    assert_eq!(CHECK_ON_SYSTEM.request(), CHECK_ON_MACHINE.request());
}
