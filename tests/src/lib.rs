//! The compile-fail and compile-pass suite of `ioctl-core` and its `ioctl!` macro.
//!
//! `tests/compiletest.rs` compiles every file under `tests/ui/` and checks that it fails
//! with the compiler output stored beside it in a `.stderr` file, and compiles and runs
//! every file under `tests/pass/`. Each `tests/ui/` file contains one mistake, and its
//! `.stderr` file shows the message a user gets for it, so the folder doubles as the list
//! of what the DSL and the types reject. After a deliberate change to a message,
//! regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p tests` and
//! reread them.
//!
//! The library contains only [`fixture`], declarations that pass cases import from another
//! crate.

/// Ioctls declared outside the test files, for pass cases that must call ioctls
/// declared in another crate, such as a crate with `#![forbid(unsafe_code)]`.
pub mod fixture {
    use std::ffi::{c_int, c_ulong};

    use ioctl_core::ioctl;

    ioctl! {
        // SAFETY: each number matches linux/kvm.h of Linux 6.1, checked with gcc on
        // x86_64. None of them passes a pointer.
        unsafe {
            group 0xAE;

            /// A `/dev/kvm` system handle.
            pub fd Kvm = "/dev/kvm";
            /// A KVM virtual machine.
            pub fd Vm;

            /// `KVM_GET_API_VERSION`: returns `KVM_API_VERSION`, 12 in Linux 6.1.
            pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
            /// `KVM_CREATE_VM`: the argument is the machine type, 0 by default.
            pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
            /// `KVM_CHECK_EXTENSION`: returns 0 when the capability is missing.
            pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
        }
    }

    // FIONREAD differs by architecture (`_IOR('f', 127, int)` on powerpc and sparc,
    // 0x467F on mips), and only the x86_64 value is checked against gcc here.
    #[cfg(target_arch = "x86_64")]
    ioctl! {
        // SAFETY: FIONREAD matches asm-generic/ioctls.h of Linux 6.1, checked with gcc on
        // x86_64. The kernel writes one `int`, the number of bytes ready to read.
        unsafe {
            /// `FIONREAD`: the number of bytes ready to read, on any file descriptor.
            pub read FIONREAD = raw 0x541B => c_int;
        }
    }
}
