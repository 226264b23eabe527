//! AMD SEV and KVM ioctls, declared with [`ioctl_core::ioctl!`] and checked against the
//! kernel's UAPI headers.
//!
//! - [`kvm`]: the KVM ioctls of `linux/kvm.h` for x86_64 on typed handles ([`kvm::Kvm`],
//!   [`kvm::Vm`], [`kvm::Vcpu`], [`kvm::Device`], [`kvm::GuestMemfd`]), their payload
//!   structs, guest memory and the vCPU run loop.
//! - [`sev`]: the SEV firmware device `/dev/sev`, the `KVM_SEV_*` commands of
//!   `KVM_MEMORY_ENCRYPT_OP` and the SEV-SNP guest device `/dev/sev-guest`, with firmware
//!   status errors.
//! - [`tables`]: every declaration as data, for seccomp allow-lists, tracers and the
//!   header check.
//!
//! The crate's header test compares every request number, sub-command id, constant and
//! payload layout with what gcc computes from `/usr/include/linux`. Declarations newer
//! than those headers sit in the `UNVERIFIED_*` tables of [`tables`], and the test checks
//! them only where the installed headers define them.
//!
//! ```no_run
//! use sev_ioctls::kvm::{Exit, GuestMemory, Kvm, VcpuRun, KVM_CREATE_VCPU};
//!
//! # fn main() -> std::io::Result<()> {
//! let kvm = Kvm::open()?;
//! let vm = kvm.create_vm()?;
//! let memory = GuestMemory::new(0x10000)?;
//! memory.write_at(0x1000, &[0xf4])?; // hlt
//! let _region = vm.set_user_memory_region(0, 0, memory, 0)?;
//! let mut vcpu = VcpuRun::new(&kvm, KVM_CREATE_VCPU.call(&vm, 0)?)?;
//! // ... set registers to start at 0x1000 in real mode ...
//! match vcpu.run()? {
//!     Exit::Hlt => println!("halted"),
//!     other => println!("exit: {other:?}"),
//! }
//! # Ok(())
//! # }
//! ```

//! # Arrays, registrations and a fake firmware
//!
//! - Payloads that end in a flexible array take a [`Flex`](ioctl_core::Flex) of their
//!   header, and wrappers such as [`kvm::Kvm::supported_cpuid`] grow it on `E2BIG`; the
//!   [`kvm`] module documentation shows both by hand and with the helper.
//! - Where the kernel keeps an address after the call, a guard owns or borrows the
//!   memory and undoes the registration when dropped: [`kvm::MemoryRegion`] for memory
//!   slots and [`kvm::EncryptedRegion`] for SEV's pinned ranges, which has an example.
//! - The `fake-firmware` feature adds `sev::fake`, a scripted SEV firmware that serves
//!   the real ioctls of code under test through seccomp user notification; its
//!   documentation has a test as an example.

#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(target_arch = "x86_64")]
pub mod kvm;
#[cfg(target_arch = "x86_64")]
pub mod sev;
#[cfg(target_arch = "x86_64")]
pub mod tables;

/// Compiles the examples of the workspace README as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
