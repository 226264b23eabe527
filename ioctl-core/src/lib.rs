//! Safe, typed Linux ioctl calls, declared once with the [`ioctl!`] macro.
//!
//! An ioctl's contract (its request number, which file descriptors it applies to, what
//! its argument is and which way the data moves, what its return value means) lives in
//! the kernel's C headers and cannot be checked by the compiler. This crate states that
//! contract once, in an `ioctl!` declaration whose `unsafe` block is the only place where
//! it is trusted. Every call is then safe code, checked by the type system:
//!
//! ```no_run
//! use std::ffi::c_ulong;
//!
//! use ioctl_core::{ioctl, AnyBitPattern};
//!
//! /// `struct kvm_regs` from `linux/kvm.h` (x86_64).
//! #[repr(C)]
//! #[derive(Clone, Copy, Debug, Default, AnyBitPattern)]
//! pub struct KvmRegs {
//!     pub rax: u64, pub rbx: u64, pub rcx: u64, pub rdx: u64,
//!     pub rsi: u64, pub rdi: u64, pub rsp: u64, pub rbp: u64,
//!     pub r8: u64, pub r9: u64, pub r10: u64, pub r11: u64,
//!     pub r12: u64, pub r13: u64, pub r14: u64, pub r15: u64,
//!     pub rip: u64, pub rflags: u64,
//! }
//!
//! ioctl! {
//!     // SAFETY: each line below matches its definition in linux/kvm.h.
//!     unsafe {
//!         group 0xAE;
//!
//!         /// A `/dev/kvm` system handle.
//!         pub fd Kvm = "/dev/kvm";
//!         /// A virtual machine.
//!         pub fd Vm;
//!         /// A virtual CPU.
//!         pub fd Vcpu;
//!
//!         pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
//!         pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
//!         pub none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
//!         pub read KVM_GET_REGS = 0x81 => KvmRegs on Vcpu;
//!         pub write KVM_SET_REGS = 0x82 => KvmRegs on Vcpu -> zero;
//!     }
//! }
//!
//! # fn main() -> std::io::Result<()> {
//! let kvm = Kvm::open()?;
//! assert_eq!(KVM_GET_API_VERSION.call(&kvm)?, 12);
//! let vm = KVM_CREATE_VM.call(&kvm, 0)?;
//! let vcpu = KVM_CREATE_VCPU.call(&vm, 0)?;
//! let mut regs = KVM_GET_REGS.call(&vcpu)?;
//! regs.rip = 0x1000;
//! KVM_SET_REGS.call(&vcpu, &regs)?;
//! # Ok(())
//! # }
//! ```
//!
//! # What the types enforce
//!
//! - A `read` ioctl returns its value only after the kernel reported success, and only
//!   into a type that is valid for every bit pattern ([`AnyBitPattern`]).
//! - A `readwrite` ioctl takes `&mut T`; `&T` does not compile.
//! - An ioctl declared `on Vm` takes only a `&Vm`; a raw integer fd or a handle of
//!   another kind does not compile. Ioctls declared without `on` take any [`AsFd`].
//! - An ioctl that returns a descriptor returns an [`OwnedFd`] or the declared handle,
//!   never a bare integer, so it cannot leak.
//! - A no-argument ioctl passes an explicit 0 as its argument.
//! - A failure is an [`std::io::Error`] built from the call's error number. `EINTR`
//!   and `EAGAIN` are returned to the caller unless the declaration says `retry`.
//! - Request numbers are computed at compile time by the target's [`Layout`]; a size that
//!   does not fit the size field is a compile error, never masked.
//!
//! # The declaration language
//!
//! ```text
//! ioctl! {
//!     unsafe {
//!         group GROUP;                        // once, before numbered items
//!         VIS fd NAME;                         // a typed handle
//!         VIS fd NAME = "/dev/path";           // ... with an `open()` for that device
//!         VIS kind NAME = HANDLE | HANDLE;     // an fd kind that several handles serve
//!         VIS DIR NAME = NUMBER [CLAUSES];     // an ioctl in GROUP
//!         VIS DIR NAME = raw REQUEST [CLAUSES];// a classic ioctl with a complete number
//!     }
//! }
//! ```
//!
//! `DIR` is `none`, `read`, `write` or `readwrite`: the direction that the request
//! number encodes (`_IO`, `_IOR`, `_IOW`, `_IOWR`). A `raw` number encodes nothing the
//! macro reads, so there `DIR` is the way the kernel moves the payload: `FIONREAD`
//! (`0x541B`, which the kernel fills with an `int`) is `read FIONREAD = raw 0x541B => c_int`.
//! An invocation that declares only `raw` items needs no `group`. The clauses, in this
//! order, are:
//!
//! | clause | meaning |
//! |---|---|
//! | `=> Type` | the payload that the argument points to; required for `read`, `write` and `readwrite` |
//! | `=> Header[]` | a payload that ends in a flexible array member: `Header` implements [`FlexHeader`], the number encodes the header's size, and calls take a [`Flex<Header>`](Flex) |
//! | `(IntType)` | an integer passed by value, such as `(c_ulong)`; the encoded size is that of the integer for `write`, 0 for `none` |
//! | `size Type` | the encoded size when the kernel's header names another type than the real payload |
//! | `as write`, `as read` | the kernel moves data the other way than the number's direction says, or, on a `none` ioctl, takes a payload that the `_IO` number does not encode |
//! | `on Handle` | the fd kind the ioctl applies to; without it, any [`AsFd`] |
//! | `retry EINTR`, `retry EAGAIN`, `retry EINTR \| EAGAIN` | errors after which the call is issued again (see [`Retry`]); without it, none |
//! | `-> count`, `-> zero`, `-> fd`, `-> Handle` | what the return value means (see [`ret`]); without it, `read` ioctls use `zero` (the call returns the payload) and all others `count` (the call returns the `c_int` that the kernel returned) |
//!
//! `VIS table NAME;` adds a constant `NAME: &[IoctlInfo]` that lists every ioctl of the
//! invocation, for seccomp allow-lists, tracers and header checks.
//!
//! `GROUP` is an integer or a byte literal such as `b'v'`; `NUMBER` fits 8 bits. `///`
//! documentation and attributes such as `#[cfg]` on items are kept. Each generated
//! constant's documentation states its direction, group, number, size, request number and
//! the C macro it equals.
//!
//! # Call path
//!
//! On Linux x86_64 and aarch64, each call issues the `ioctl` system call inline: the
//! `syscall` or `svc 0` instruction sits in the caller, and the error number comes from
//! the kernel's return value. The C library's `ioctl` function is not called, and `errno`
//! is left unchanged. This saves the call into the C library and its `errno` handling, a
//! few nanoseconds per call (BENCHMARKS.md in the repository has the measurements). What
//! changes for users:
//!
//! - A library loaded with `LD_PRELOAD`, or any other interposer of the C library's
//!   `ioctl` symbol, no longer sees these calls, and neither does `ltrace`.
//! - seccomp filters, `strace`, `perf trace` and the audit subsystem act on the system
//!   call itself, so they see the calls as before.
//!
//! The `libc-ioctl` feature sends every call through the C library's `ioctl` instead, and
//! other targets always take that path. Cargo unifies features, so one crate that enables
//! it switches the whole build. [`sys::RAW_SYSCALL`] tells which path a build takes.
//!
//! # Generated documentation
//!
//! Every declared constant's rustdoc is the user's `///` text followed by what the
//! declaration encodes. For `pub read KVM_GET_REGS = 0x81 => KvmRegs on Vcpu;` in the
//! example above it reads:
//!
//! > Equals the C macro `_IOR(0xAE, 0x81, KvmRegs)`.
//! >
//! > | direction | group | number | size (bytes) | request number |
//! > |---|---|---|---|---|
//! > | `read` | `0xae` | `0x81` | `size_of::<KvmRegs>()` | `KVM_GET_REGS.request()` |
//! >
//! > Applies to `Vcpu` handles. The kernel writes the payload, `KvmRegs`, which the call
//! > returns. The kernel returns 0 on success.
//!
//! Where the payload is a fixed-width integer or an array of them, the table gives the size
//! in bytes and the request number of the asm-generic layout. For other types the macro
//! cannot know the size, so the table names `size_of` and the `request()` call, which
//! returns the number on the compilation target:
//!
//! ```
//! # use ioctl_core::{ioctl, AnyBitPattern};
//! # #[repr(C)]
//! # #[derive(Clone, Copy, AnyBitPattern)]
//! # pub struct KvmRegs { pub regs: [u64; 18] }
//! # ioctl! { unsafe { group 0xAE; pub fd Vcpu; pub read KVM_GET_REGS = 0x81 => KvmRegs on Vcpu; } }
//! assert_eq!(KVM_GET_REGS.request(), 0x8090_AE81);
//! ```
//!
//! # Limitations
//!
//! - Payloads that hold addresses need a safe wrapper written by hand around a private
//!   declaration.
//! - A declaration whose tokens nest more than 128 levels deep (a type such as `&&&…u8`)
//!   is rejected, because parsing it could overflow the compiler's stack; name the deep
//!   type with a type alias.
//! - The duplicate-number check at compile time covers one invocation, and compares the
//!   `on` types as written: `Vcpu` and `self::Vcpu` count as two kinds there.
//!   [`info::request_clashes`], called from a test with every invocation's table, compares
//!   the types themselves, across invocations too.

#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod encode;
mod fd;
mod flex;
pub mod info;
mod ioctl;
mod pod;
pub mod ret;
pub mod sys;

pub use encode::{Decoded, Direction, EncodeError, Layout};
pub use fd::{open_device, AnyFd, Handle, OpenError, Target};
pub use flex::{Flex, FlexHeader, ReadWriteFlex, WriteFlex};
pub use ioctl::{IntArg, Ioctl, NoArg, Read, ReadWrite, Retry, Value, Write};
pub use pod::{zeroed, AnyBitPattern};

pub use info::{ArgumentKind, FieldInfo, IoctlInfo, KindType, StructLayout, TypeLayout};
pub use ioctl_macros::{ioctl, AnyBitPattern, StructLayout};

pub use std::os::fd::{AsFd, OwnedFd};

/// Items that the `ioctl!` and `#[derive(AnyBitPattern)]` expansions name. Not a public
/// API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::encode::{Direction, Layout};
    pub use crate::info::{ArgumentKind, FieldInfo, IoctlInfo, KindType, StructLayout};
    pub use core::mem::{align_of, offset_of};
    pub use core::option::Option;
    pub use crate::fd::{open_device, AnyFd, Handle, HandleFd, Target};
    use crate::flex::FlexHeader;
    pub use crate::flex::{ReadWriteFlex, WriteFlex};
    pub use crate::ioctl::{Ioctl, NoArg, Read, ReadWrite, Retry, Value, Write};
    pub use crate::pod::AnyBitPattern;
    pub use crate::ret::{Count, Fd, Typed, Zero};
    pub use core::fmt;
    pub use core::mem::size_of;
    pub use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

    pub use crate::ret::Return;

    /// Fails to compile, with an error on `T`, unless `T` is valid for every bit pattern.
    pub const fn assert_any_bit_pattern<T: AnyBitPattern>() {}

    /// How a declaration gives its request number.
    pub enum Spec {
        /// A complete number (`raw`).
        Raw(u32),
        /// Fields to encode.
        Encoded {
            /// The direction bits.
            direction: Direction,
            /// The group.
            group: u8,
            /// The number within the group.
            number: u8,
            /// The encoded size.
            size: Size,
        },
    }

    /// The size that a request number encodes. A `size Type` override is encoded by the
    /// expansion itself and passed as [`Spec::Raw`].
    pub enum Size {
        /// The size of the payload or by-value type.
        OfArgument,
        /// No size: a `none` ioctl, even one that takes an integer by value.
        Zero,
    }

    const fn resolve<T>(spec: Spec) -> u32 {
        match spec {
            Spec::Raw(request) => request,
            Spec::Encoded { direction, group, number, size } => {
                let size = match size {
                    Size::Zero => 0,
                    Size::OfArgument => size_of::<T>(),
                };
                Layout::NATIVE.request(direction, group, number, size)
            }
        }
    }

    // The constructors below carry the bounds of each argument kind, so that a bad payload
    // type fails where it is declared, and the expansion names each type only once.

    /// Declares an ioctl without argument.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn none<K: ?Sized, R>(spec: Spec) -> Ioctl<K, NoArg, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<()>(spec)) }
    }

    /// Declares an ioctl whose kernel writes a `T`.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn read<K: ?Sized, T: AnyBitPattern, R>(spec: Spec) -> Ioctl<K, Read<T>, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<T>(spec)) }
    }

    /// Declares an ioctl whose kernel reads a `T`.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn write<K: ?Sized, T, R>(spec: Spec) -> Ioctl<K, Write<T>, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<T>(spec)) }
    }

    /// Declares an ioctl whose kernel reads and writes a `T`.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn read_write<K: ?Sized, T: AnyBitPattern, R>(spec: Spec) -> Ioctl<K, ReadWrite<T>, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<T>(spec)) }
    }

    /// Declares an ioctl that takes an integer `T` by value.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn value<K: ?Sized, T: crate::IntArg, R>(spec: Spec) -> Ioctl<K, Value<T>, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<T>(spec)) }
    }

    /// Declares an ioctl whose kernel reads a header `H` and its flexible array.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn write_flex<K: ?Sized, H: FlexHeader, R>(spec: Spec) -> Ioctl<K, WriteFlex<H>, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<H>(spec)) }
    }

    /// Declares an ioctl whose kernel reads and writes a header `H` and its flexible array.
    ///
    /// # Safety
    ///
    /// As for [`Ioctl::new`].
    pub const unsafe fn read_write_flex<K: ?Sized, H: FlexHeader, R>(spec: Spec) -> Ioctl<K, ReadWriteFlex<H>, R> {
        // SAFETY: the caller upholds `Ioctl::new`'s contract.
        unsafe { Ioctl::new(resolve::<H>(spec)) }
    }

    /// Returns `ioctl` unchanged; fails to compile unless `R` is a return policy, which
    /// for `Typed<H>` requires `H` to be a handle.
    pub const fn returning<K: ?Sized, A, R: Return>(ioctl: Ioctl<K, A, R>) -> Ioctl<K, A, R> {
        ioctl
    }
}
