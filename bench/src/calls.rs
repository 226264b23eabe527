//! The measured calls: one module per way of issuing an ioctl, one function per ioctl.
//!
//! Each function makes one call as a user of that crate would write it. It returns the
//! result as a `u64` that every crate must agree on: the count, the register checksum or
//! the exit code, and [`FAILED`] when the call failed. The functions are
//! `#[inline(always)]` so that the benchmark loop contains the call itself, as the caller's
//! own code would.

use std::io::PipeReader;
use std::os::fd::AsRawFd;

use crate::fixture::KvmFixture;
use crate::kvm::{KvmRegs, KVM_CAP_NR_VCPUS};

/// The value of a call that returned an error.
pub const FAILED: u64 = u64::MAX;

/// Returns the exit code that the KVM_RUN benchmarks compare: the exit reason in bits
/// 16 and up and the I/O port below.
pub const fn exit_code(reason: u32, port: u16) -> u64 {
    ((reason as u64) << 16) | port as u64
}

/// Raw `libc::ioctl`, the reference of every ratio.
pub mod via_libc {
    use super::*;
    use crate::kvm::expected;
    use libc::{c_int, c_ulong};

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        let mut count: c_int = 0;
        // SAFETY: FIONREAD writes one `int` through the pointer.
        let ret = unsafe { libc::ioctl(pipe.as_raw_fd(), libc::FIONREAD, &raw mut count) };
        if ret < 0 {
            FAILED
        } else {
            count as u64
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        let request = expected::KVM_GET_API_VERSION as c_ulong;
        // SAFETY: KVM_GET_API_VERSION takes no argument and accesses no memory.
        let ret = unsafe { libc::ioctl(target.kvm.as_raw_fd(), request, 0 as c_ulong) };
        if ret < 0 {
            FAILED
        } else {
            ret as u64
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        let request = expected::KVM_CHECK_EXTENSION as c_ulong;
        // SAFETY: KVM_CHECK_EXTENSION takes an integer and accesses no memory.
        let ret = unsafe { libc::ioctl(target.kvm.as_raw_fd(), request, KVM_CAP_NR_VCPUS) };
        if ret < 0 {
            FAILED
        } else {
            ret as u64
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        let mut regs = KvmRegs::default();
        let request = expected::KVM_GET_REGS as c_ulong;
        // SAFETY: KVM_GET_REGS writes one `struct kvm_regs` through the pointer.
        let ret = unsafe { libc::ioctl(target.guest.vcpu_fd(), request, &raw mut regs) };
        if ret < 0 {
            FAILED
        } else {
            regs.checksum()
        }
    }

    #[inline(always)]
    pub fn kvm_run(target: &KvmFixture) -> u64 {
        target.guest.run_with_libc()
    }
}

/// ioctl-core's declared constants, on the path that this build selects (the inline
/// system call unless the `libc-ioctl` feature is on).
pub mod via_ioctl_core {
    use super::*;
    use crate::kvm::{FIONREAD, KVM_CHECK_EXTENSION, KVM_GET_API_VERSION, KVM_GET_REGS};

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        match FIONREAD.call(pipe) {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        match KVM_GET_API_VERSION.call(&target.kvm) {
            Ok(version) => version as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        match KVM_CHECK_EXTENSION.call(&target.kvm, KVM_CAP_NR_VCPUS) {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        match KVM_GET_REGS.call(target.guest.vcpu()) {
            Ok(regs) => regs.checksum(),
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn kvm_run(target: &KvmFixture) -> u64 {
        target.guest.run_with_ioctl_core()
    }
}

/// ioctl-core's C library path, `ioctl_core::sys::libc_ioctl`, called with the declared
/// request numbers in a build where `Ioctl::call` takes the inline path. It is what
/// `Ioctl::call` runs when the `libc-ioctl` feature is on.
pub mod via_ioctl_core_libc {
    use super::*;
    use crate::kvm::{FIONREAD, KVM_CHECK_EXTENSION, KVM_GET_API_VERSION, KVM_GET_REGS};
    use ioctl_core::sys::libc_ioctl;
    use ioctl_core::AsFd;
    use libc::c_int;

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        let mut count: c_int = 0;
        // SAFETY: FIONREAD writes one `int` through the pointer.
        let result = unsafe { libc_ioctl(pipe.as_fd(), FIONREAD.request(), (&raw mut count).cast()) };
        match result {
            Ok(_) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        let request = KVM_GET_API_VERSION.request();
        // SAFETY: KVM_GET_API_VERSION takes no argument and accesses no memory.
        match unsafe { libc_ioctl(target.kvm.as_fd(), request, std::ptr::null_mut()) } {
            Ok(version) => version as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        let request = KVM_CHECK_EXTENSION.request();
        let arg = std::ptr::without_provenance_mut(KVM_CAP_NR_VCPUS as usize);
        // SAFETY: KVM_CHECK_EXTENSION takes an integer and accesses no memory.
        match unsafe { libc_ioctl(target.kvm.as_fd(), request, arg) } {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        let mut regs = KvmRegs::default();
        let fd = target.guest.vcpu().as_fd();
        // SAFETY: KVM_GET_REGS writes one `struct kvm_regs` through the pointer.
        match unsafe { libc_ioctl(fd, KVM_GET_REGS.request(), (&raw mut regs).cast()) } {
            Ok(_) => regs.checksum(),
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn kvm_run(target: &KvmFixture) -> u64 {
        target.guest.run_with_ioctl_core_libc()
    }
}

/// nix's `ioctl_*!` macros, which generate `unsafe fn`s over `libc::ioctl`.
pub mod via_nix {
    use super::*;
    use crate::kvm::expected;

    // `#[inline]` lets the benchmark binary inline these functions from this library, as
    // a caller in the declaring crate would.
    //
    // KVM_GET_API_VERSION is declared with an integer argument: nix's `ioctl_none!` calls
    // `ioctl(fd, request)` without a third argument, so the kernel receives whatever the
    // third argument register holds, and KVM rejects any value but 0 with EINVAL.
    mod declared {
        use crate::kvm::KvmRegs;

        nix::ioctl_read_bad!(#[inline] fionread, crate::kvm::expected::FIONREAD, libc::c_int);
        nix::ioctl_write_int_bad!(#[inline] kvm_get_api_version, nix::request_code_none!(0xAE, 0x00));
        nix::ioctl_write_int_bad!(#[inline] kvm_check_extension, nix::request_code_none!(0xAE, 0x03));
        nix::ioctl_read!(#[inline] kvm_get_regs, 0xAE, 0x81, KvmRegs);
    }

    const _: () = assert!(nix::request_code_read!(0xAE, 0x81, size_of::<KvmRegs>()) as u32 == expected::KVM_GET_REGS);

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        let mut count = 0;
        // SAFETY: FIONREAD writes one `int` through the pointer.
        match unsafe { declared::fionread(pipe.as_raw_fd(), &raw mut count) } {
            Ok(_) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        // SAFETY: KVM_GET_API_VERSION takes no argument and accesses no memory.
        match unsafe { declared::kvm_get_api_version(target.kvm.as_raw_fd(), 0) } {
            Ok(version) => version as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        let extension = KVM_CAP_NR_VCPUS as libc::c_int;
        // SAFETY: KVM_CHECK_EXTENSION takes an integer and accesses no memory.
        match unsafe { declared::kvm_check_extension(target.kvm.as_raw_fd(), extension) } {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        let mut regs = KvmRegs::default();
        // SAFETY: KVM_GET_REGS writes one `struct kvm_regs` through the pointer.
        match unsafe { declared::kvm_get_regs(target.guest.vcpu_fd(), &raw mut regs) } {
            Ok(_) => regs.checksum(),
            Err(_) => FAILED,
        }
    }
}

/// rustix's `ioctl` with its `Getter` pattern, and an `Ioctl` implementation for calls
/// whose return value is the result (rustix's `NoArg` and `IntegerSetter` discard it).
pub mod via_rustix {
    use super::*;
    use crate::kvm::expected;
    use libc::{c_int, c_void};
    use rustix::ioctl::{opcode, Getter, Ioctl, IoctlOutput, Opcode};

    /// An ioctl that takes an integer (or nothing) and returns its result.
    pub struct Counted<const OPCODE: Opcode> {
        argument: usize,
    }

    // SAFETY: the opcodes used with `Counted` take an integer argument, access no memory,
    // and return a count.
    unsafe impl<const OPCODE: Opcode> Ioctl for Counted<OPCODE> {
        type Output = c_int;
        const IS_MUTATING: bool = false;

        fn opcode(&self) -> Opcode {
            OPCODE
        }

        fn as_ptr(&mut self) -> *mut c_void {
            std::ptr::without_provenance_mut(self.argument)
        }

        unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<c_int> {
            Ok(out)
        }
    }

    const FIONREAD: Opcode = expected::FIONREAD as Opcode;
    const KVM_GET_API_VERSION: Opcode = opcode::none(0xAE, 0x00);
    const KVM_CHECK_EXTENSION: Opcode = opcode::none(0xAE, 0x03);
    const KVM_GET_REGS: Opcode = opcode::read::<KvmRegs>(0xAE, 0x81);
    const _: () = assert!(KVM_GET_REGS == expected::KVM_GET_REGS as Opcode);

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        // SAFETY: FIONREAD writes one `int`, the getter's output type.
        let getter = unsafe { Getter::<FIONREAD, c_int>::new() };
        // SAFETY: the getter matches FIONREAD's contract.
        match unsafe { rustix::ioctl::ioctl(pipe, getter) } {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        let call = Counted::<KVM_GET_API_VERSION> { argument: 0 };
        // SAFETY: `Counted` matches KVM_GET_API_VERSION's contract.
        match unsafe { rustix::ioctl::ioctl(&target.kvm, call) } {
            Ok(version) => version as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        let call = Counted::<KVM_CHECK_EXTENSION> { argument: KVM_CAP_NR_VCPUS as usize };
        // SAFETY: `Counted` matches KVM_CHECK_EXTENSION's contract.
        match unsafe { rustix::ioctl::ioctl(&target.kvm, call) } {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        // SAFETY: KVM_GET_REGS writes one `struct kvm_regs`, the getter's output type.
        let getter = unsafe { Getter::<KVM_GET_REGS, KvmRegs>::new() };
        // SAFETY: the getter matches KVM_GET_REGS's contract.
        match unsafe { rustix::ioctl::ioctl(target.guest.vcpu(), getter) } {
            Ok(regs) => regs.checksum(),
            Err(_) => FAILED,
        }
    }
}

/// iocuddle's typed `Ioctl` constants. Its `read` needs a zerocopy `FromBytes` payload, so
/// `kvm_regs` is read as `[u64; 18]`, the same 144 bytes.
pub mod via_iocuddle {
    use super::*;
    use crate::kvm::expected;
    use iocuddle::{Group, Ioctl, Read, Write};
    use libc::{c_int, c_ulong, c_void};

    const KVM: Group = Group::new(0xAE);
    // SAFETY: FIONREAD writes one `int`.
    const FIONREAD: Ioctl<Read, &c_int> = unsafe { Ioctl::classic(expected::FIONREAD as c_ulong) };
    // SAFETY: KVM_GET_API_VERSION takes no argument.
    const KVM_GET_API_VERSION: Ioctl<Write, c_void> = unsafe { KVM.none(0x00) };
    // SAFETY: KVM_CHECK_EXTENSION takes an integer.
    const KVM_CHECK_EXTENSION: Ioctl<Write, c_int> = unsafe { KVM.none(0x03) };
    // SAFETY: KVM_GET_REGS writes one `struct kvm_regs`, 18 `__u64` on x86_64.
    const KVM_GET_REGS: Ioctl<Read, &[u64; 18]> = unsafe { KVM.read(0x81) };

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        match FIONREAD.ioctl(pipe) {
            Ok((_, count)) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        match KVM_GET_API_VERSION.ioctl(&target.kvm) {
            Ok(version) => version as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        match KVM_CHECK_EXTENSION.ioctl(&target.kvm, KVM_CAP_NR_VCPUS as c_int) {
            Ok(count) => count as u64,
            Err(_) => FAILED,
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        match KVM_GET_REGS.ioctl(target.guest.vcpu()) {
            Ok((_, words)) => words.iter().fold(0, |sum: u64, word| sum.wrapping_add(*word)),
            Err(_) => FAILED,
        }
    }
}

/// vmm-sys-util's `ioctl_*_nr!` request functions and its `ioctl_with_*` calls, which
/// return the C library's result and leave the error in `errno`.
pub mod via_vmm_sys_util {
    use super::*;
    use libc::c_ulong;
    use vmm_sys_util::ioctl::{ioctl, ioctl_with_mut_ref, ioctl_with_val};

    mod declared {
        use crate::kvm::KvmRegs;

        vmm_sys_util::ioctl_io_nr!(KVM_GET_API_VERSION, 0xAE, 0x00);
        vmm_sys_util::ioctl_io_nr!(KVM_CHECK_EXTENSION, 0xAE, 0x03);
        vmm_sys_util::ioctl_ior_nr!(KVM_GET_REGS, 0xAE, 0x81, KvmRegs);
    }

    #[inline(always)]
    pub fn fionread(pipe: &PipeReader) -> u64 {
        let mut count: libc::c_int = 0;
        // SAFETY: FIONREAD writes one `int` through the reference.
        let ret = unsafe { ioctl_with_mut_ref(pipe, libc::FIONREAD as c_ulong, &mut count) };
        if ret < 0 {
            FAILED
        } else {
            count as u64
        }
    }

    #[inline(always)]
    pub fn api_version(target: &KvmFixture) -> u64 {
        // SAFETY: KVM_GET_API_VERSION takes no argument and accesses no memory.
        let ret = unsafe { ioctl(&target.kvm, declared::KVM_GET_API_VERSION()) };
        if ret < 0 {
            FAILED
        } else {
            ret as u64
        }
    }

    #[inline(always)]
    pub fn check_extension(target: &KvmFixture) -> u64 {
        let request = declared::KVM_CHECK_EXTENSION();
        // SAFETY: KVM_CHECK_EXTENSION takes an integer and accesses no memory.
        let ret = unsafe { ioctl_with_val(&target.kvm, request, KVM_CAP_NR_VCPUS) };
        if ret < 0 {
            FAILED
        } else {
            ret as u64
        }
    }

    #[inline(always)]
    pub fn get_regs(target: &KvmFixture) -> u64 {
        let mut regs = KvmRegs::default();
        let request = declared::KVM_GET_REGS();
        // SAFETY: KVM_GET_REGS writes one `struct kvm_regs` through the reference.
        let ret = unsafe { ioctl_with_mut_ref(target.guest.vcpu(), request, &mut regs) };
        if ret < 0 {
            FAILED
        } else {
            regs.checksum()
        }
    }
}

/// kvm-ioctls' `VcpuFd::run`, on a guest of its own with the same code.
pub mod via_kvm_ioctls {
    use super::*;

    #[inline(always)]
    pub fn kvm_run(target: &KvmFixture) -> u64 {
        target.kvm_ioctls_guest.borrow_mut().run()
    }
}
