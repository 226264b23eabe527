//! Helpers shared by the tests that run against /dev/kvm.

#![allow(dead_code)]

use std::io::{self, Write};

use sev_ioctls::kvm::{kvm_regs, Kvm, Vcpu, VcpuRun, Vm, KVM_GET_SREGS, KVM_SET_REGS, KVM_SET_SREGS};

/// Writes a `SKIPPED: ...` line to the process's standard error.
///
/// The line bypasses the test harness's output capture, which holds back `println!` of
/// passing tests, so every skip and its reason show in a plain `cargo test`.
pub fn skip(message: std::fmt::Arguments) {
    let _ = writeln!(io::stderr(), "SKIPPED: {message}");
}

/// Opens /dev/kvm, or reports why it cannot and returns `None` so the test can return.
///
/// With `IOCTL_REQUIRE_KVM=1` in the environment (set by `.ci/run`), a missing or
/// inaccessible /dev/kvm fails the test instead, so CI cannot pass without running it.
pub fn open_kvm(test: &str) -> Option<Kvm> {
    match Kvm::open() {
        Ok(kvm) => Some(kvm),
        Err(error) => {
            if std::env::var_os("IOCTL_REQUIRE_KVM").is_some_and(|value| value == "1") {
                panic!("{test}: {error}, and IOCTL_REQUIRE_KVM=1 requires KVM");
            }
            skip(format_args!("{test}: {error}"));
            None
        }
    }
}

/// A VM with an in-kernel interrupt controller and one vCPU.
pub struct Machine {
    pub kvm: Kvm,
    pub vm: Vm,
    pub vcpu: Vcpu,
}

/// Creates a VM with an in-kernel irqchip and vCPU 0, or returns `None` without /dev/kvm.
pub fn machine(test: &str) -> Option<Machine> {
    let kvm = open_kvm(test)?;
    let vm = kvm.create_vm().expect("KVM_CREATE_VM");
    sev_ioctls::kvm::KVM_CREATE_IRQCHIP.call(&vm).expect("KVM_CREATE_IRQCHIP");
    let vcpu = vm.create_vcpu(0).expect("KVM_CREATE_VCPU");
    Some(Machine { kvm, vm, vcpu })
}

/// Returns whether `kvm` reports capability `cap`, printing a skip line when it does not.
pub fn has_cap(kvm: &Kvm, cap: u32, test: &str) -> bool {
    let present = kvm.check_extension(cap).expect("KVM_CHECK_EXTENSION") > 0;
    if !present {
        skip(format_args!("{test}: this host's KVM lacks {} ({cap})", cap_name(cap)));
    }
    present
}

/// Returns the errno of `result`, which must be an error.
pub fn errno<T: std::fmt::Debug>(result: io::Result<T>) -> i32 {
    result.expect_err("the call should fail").raw_os_error().expect("an OS error")
}

/// Returns whether `fd` is an open descriptor, as `fcntl(F_GETFD)` tells.
pub fn fd_is_open(fd: std::os::fd::RawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor flags; an invalid fd yields EBADF.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// Creates vCPU 0 of `vm` in real mode with code segment base 0, about to run the code at
/// guest physical address `rip`.
pub fn real_mode_vcpu(vm: &Vm, rip: u64) -> Vcpu {
    let vcpu = vm.create_vcpu(0).expect("KVM_CREATE_VCPU");
    let mut sregs = KVM_GET_SREGS.call(&vcpu).expect("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    KVM_SET_SREGS.call(&vcpu, &sregs).expect("KVM_SET_SREGS");
    KVM_SET_REGS.call(&vcpu, &kvm_regs { rip, rflags: 0x2, ..Default::default() }).expect("KVM_SET_REGS");
    vcpu
}

/// [`real_mode_vcpu`] with its `kvm_run` area mapped, ready for [`VcpuRun::run`].
pub fn real_mode_runner(kvm: &Kvm, vm: &Vm, rip: u64) -> VcpuRun {
    VcpuRun::new(kvm, real_mode_vcpu(vm, rip)).expect("mmap of kvm_run")
}

/// Returns the `KVM_CAP_*` name of capability `cap` from the crate's constant tables.
pub fn cap_name(cap: u32) -> &'static str {
    sev_ioctls::tables::CONSTANTS
        .iter()
        .chain(sev_ioctls::tables::UNVERIFIED_CONSTANTS)
        .flat_map(|table| table.iter())
        .find(|(name, value)| name.starts_with("KVM_CAP_") && *value == u64::from(cap))
        .map_or("an unnamed KVM capability", |(name, _)| name)
}
