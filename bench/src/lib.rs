//! Benchmarks of ioctl-core against raw `libc::ioctl`, nix, rustix, iocuddle, vmm-sys-util
//! and kvm-ioctls. `cargo bench -p ioctl-bench` runs them; BENCHMARKS.md at the top of the
//! repository explains the method and records a run.
//!
//! The library contains what the benchmark binary (`benches/ioctls.rs`) measures: the calls
//! through each crate ([`calls`]), the ioctl-core declarations ([`kvm`]), a two-instruction
//! KVM guest ([`guest`]), the descriptors ([`fixture`]) and the interleaved rounds
//! ([`rounds`]).
//!
//! NOTE: the payload layouts and the guest code are x86_64's; on other targets the KVM
//! comparisons fail their result check or skip, and only FIONREAD is meaningful.

pub mod calls;
pub mod fixture;
pub mod guest;
pub mod kvm;
pub mod rounds;
