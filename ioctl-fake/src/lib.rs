//! A scripted fake device for testing code that issues ioctls, without the hardware and
//! without changing the code.
//!
//! The code under test calls its ioctls as it always does, through `ioctl-core`'s inline
//! system call, the C library's `ioctl` or any other path. The fake intercepts the system
//! call itself, checks it against a [`Script`] (request, argument, payload bytes), writes
//! the scripted reply bytes into the caller's payload and makes the call return the
//! scripted value, error or descriptor.
//!
//! ```
//! use std::ffi::c_ulong;
//!
//! use ioctl_core::ioctl;
//! use ioctl_fake::{Device, FakeDevice, Script};
//!
//! ioctl! {
//!     // SAFETY: both lines match linux/kvm.h: `_IO(KVMIO, 0x00)` and `_IO(KVMIO, 0x03)`,
//!     // which takes a capability number by value.
//!     unsafe {
//!         group 0xAE;
//!         pub fd Kvm = "/dev/kvm";
//!         pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
//!         pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
//!     }
//! }
//!
//! /// The code under test, which does not refer to the fake.
//! fn usable(kvm: &Kvm) -> std::io::Result<bool> {
//!     let version = KVM_GET_API_VERSION.call(kvm)?;
//!     let irqchip = KVM_CHECK_EXTENSION.call(kvm, 0)?; // KVM_CAP_IRQCHIP
//!     Ok(version == 12 && irqchip > 0)
//! }
//!
//! # fn main() -> std::io::Result<()> {
//! let script = Script::new()
//!     .expect(KVM_GET_API_VERSION).returns(12)
//!     .expect(KVM_CHECK_EXTENSION).with_value(0).returns(1);
//! let mut fake = FakeDevice::new(script)?;
//! let fd = fake.take_fd(Device::MAIN)?;
//! // SAFETY: the fake serves each ioctl declared on `Kvm` as the script's declaration of
//! // it states, and the script uses the same declarations as the code under test.
//! let kvm = unsafe { Kvm::from_fd_unchecked(fd) };
//!
//! let result = fake.run(|| usable(&kvm))?;
//!
//! assert!(result?);
//! let calls = fake.finish().map_err(std::io::Error::other)?;
//! assert_eq!(calls.len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! # How it works
//!
//! [`FakeDevice::new`] creates one memfd per device that the script names. The code under
//! test gets its descriptor from [`FakeDevice::take_fd`]. [`FakeDevice::run`] starts a
//! dedicated thread that sets `PR_SET_NO_NEW_PRIVS` and installs a seccomp BPF filter on
//! itself alone. The filter returns `SECCOMP_RET_USER_NOTIF` for an `ioctl` system call
//! (of the x86_64 or aarch64 ABI) whose descriptor argument is one of the fake's numbers,
//! and allows every other system call. The thread then runs the code under test.
//!
//! The thread that called `run` becomes the supervisor. For each notification it receives
//! (`SECCOMP_IOCTL_NOTIF_RECV`), it:
//!
//! 1. checks that the number still refers to a fake device's file (same device and inode).
//!    If the code under test closed it and the number was reused, the call goes to the
//!    kernel (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`) and is recorded as
//!    [`Reply::PassedToKernel`];
//! 2. matches the call against the script: device, request number, integer argument, and
//!    the payload, which it reads from the caller with `process_vm_readv`;
//! 3. confirms with `SECCOMP_IOCTL_NOTIF_ID_VALID` that the call still waits, then writes
//!    the scripted reply bytes into the caller with `process_vm_writev`;
//! 4. responds with `SECCOMP_IOCTL_NOTIF_SEND` (a return value or an error number), or, for
//!    a reply that returns a descriptor, with `SECCOMP_IOCTL_NOTIF_ADDFD` and
//!    `SECCOMP_ADDFD_FLAG_SEND`.
//!
//! A call that the script does not expect fails with `ENOTTY` (or the error set by
//! [`Script::unexpected_errno`]), and is recorded. [`FakeDevice::finish`] returns every
//! [`Call`], or a [`FinishError`] that lists the unexpected calls and the expected calls
//! that never came.
//!
//! # Why seccomp user notification
//!
//! It intercepts the system call, below every way of issuing it: `ioctl-core`'s inline
//! `syscall` instruction, the C library, `libc::syscall`. The code under test runs
//! unchanged, with its real argument handling and error conversion. The other mechanisms
//! fit worse:
//!
//! - an `LD_PRELOAD` interposer of the C library's `ioctl` misses inline system calls,
//!   which `ioctl-core` issues on x86_64 and aarch64;
//! - `ptrace` cannot trace a thread of its own process, so it needs a tracer process, and
//!   a traced thread cannot also run under a debugger or `strace`;
//! - a CUSE character device needs `/dev/cuse`, root and a device node, and serves every
//!   thread of the system;
//! - a trait with a mock implementation changes the code under test.
//!
//! Where it fits less well: every faked call switches to the supervisor thread and back.
//! A loop of 20,000 faked calls took about 15 µs per call (release build, 2-core AMD EPYC
//! virtual machine, Linux 6.18), where a real ioctl that the kernel rejects took 0.2 µs.
//! The limits below also apply.
//!
//! # Typed handles
//!
//! `take_fd` returns an [`OwnedFd`](std::os::fd::OwnedFd), which any ioctl declared for
//! any descriptor accepts. Ioctls declared `on Handle` need the handle type, which the
//! code under test gets from the handle's unsafe `from_fd_unchecked`. Its contract is that
//! the descriptor is of the handle's kind: each ioctl declared on the handle is served as
//! its declaration states. For a fake descriptor, the safety comment relies on this:
//!
//! - within `run`, the script serves each scripted request as the `Ioctl` that the script
//!   was built from declares it: the fake writes at most that declaration's payload size,
//!   and writes nothing for `write`, `none` and by-value arguments. This holds when the
//!   script is built from the same declarations as the code under test (or ones with the
//!   same payload types), which is the normal case;
//! - any other request on the descriptor fails without touching memory;
//! - outside `run`, and on other threads, the descriptor is a plain memfd: it has no ioctls
//!   of its own, so the kernel rejects the driver requests with `ENOTTY` and serves only
//!   the generic requests that the VFS implements for every regular file, such as
//!   `FIONREAD` and `FIOCLEX`.
//!
//! # What the fake writes
//!
//! The fake writes into the caller's memory only what a declaration allows:
//!
//! - [`Expect::writes`] takes exactly the payload type of a `read` or `readwrite` ioctl,
//!   and [`Expect::writes_bytes`] rejects more bytes than that type holds (the script is
//!   then invalid, and [`FakeDevice::new`] returns a [`ScriptError`]). The bound is
//!   `size_of` the payload type, which can differ from the size field of the request
//!   number (`size Type` declarations).
//! - For a payload with a flexible array member (`WriteFlex`, `ReadWriteFlex`), the bound
//!   is the header plus as many elements as the caller's header counts, which
//!   `ioctl-core`'s `Flex` checks against its allocation before every call.
//! - A `write`, `none` or by-value ioctl offers no method that writes.
//! - Writing through an address stored inside a payload ([`Expect::writes_through`], for
//!   commands such as `SEV_ISSUE_CMD` whose `data` field points to another struct) is
//!   `unsafe`: the script's author guarantees what the address points to. The size
//!   written is that of the type given.
//! - An expectation built from an [`IoctlInfo`](ioctl_core::IoctlInfo) writes only
//!   through the unsafe [`Expect::writes_bytes_unchecked`], because safe code can fill an
//!   `IoctlInfo` with any size.
//!
//! The fake cannot see the caller's buffer, only the request number. If the program
//! declares the same request number twice with different payload types, and the code under
//! test calls the smaller one on a fake descriptor while the script was built from the
//! larger one, the fake writes past the caller's payload. A real driver writes what its
//! own definition says, whatever a declaration claims; the fake's definition is the
//! script's declaration.
//!
//! A write must not land after the caller left the call (a signal handler could return an
//! `EINTR` to the caller whose buffer is then gone). A script that writes memory therefore
//! needs `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (Linux 5.19): once the supervisor has
//! received a call, only a fatal signal ends it. On an older kernel `run` returns an error
//! for such a script, and scripts that only return values or errors still run.
//!
//! # Limits
//!
//! - Linux only, on x86_64 and little-endian aarch64; other targets get an `Unsupported`
//!   error. Faking needs Linux 5.0 (user notification). Passing a reused descriptor number
//!   to the kernel needs 5.5 (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`; before it, such a call
//!   fails with `EBADF`), replies that return a descriptor need 5.9, and replies that
//!   write memory need 5.19. Only Linux 6.18 on x86_64 was tested.
//!   NOTE: the aarch64 filter is built and its program unit-tested, but it has never run.
//! - A seccomp filter cannot be removed from a thread, so the code under test runs on a
//!   dedicated thread, which ends with `run`. Thread-local state of the calling thread is
//!   not visible to it. Threads that the code starts inherit the filter; their calls after
//!   `run` returned fail with `ENOSYS`.
//! - `run` cannot nest inside another fake's `run`, nor run under a supervisor that
//!   already uses seccomp user notification for the process (the kernel allows one
//!   listener in a thread's filter chain; `EBUSY`). A seccomp policy or security module
//!   that forbids `seccomp(2)` makes `run` fail.
//! - Only the numbers that `take_fd` and returned devices hand out are intercepted: a
//!   `dup` of a fake descriptor reaches the memfd, which rejects the request.
//! - On Linux 5.19 and later, a signal to the dedicated thread while the supervisor
//!   handles its call is delivered only after the response, so a test that interrupts a
//!   faked call sees the scripted result. The script itself can return `EINTR`
//!   ([`Expect::fails`]).
//! - An expectation built from the [`IoctlInfo`](ioctl_core::IoctlInfo) of a payload with
//!   a flexible array member reads and writes the header only: the description names no
//!   element type. Build it from the typed `Ioctl` to reach the elements.

#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod call;
mod fake;
mod memory;
mod script;
mod seccomp;
mod supervisor;

#[cfg(test)]
#[path = "../tests/common/probe.rs"]
mod probe;

pub use call::{Call, FinishError, Reply};
pub use fake::FakeDevice;
pub use script::{Argument, Described, Device, Expect, FlexArgument, Receives, ReturnsFd, Script, ScriptError, Sends};
