//! Kicking a running vCPU out of `KVM_RUN`: with a signal, with `immediate_exit`, and a
//! declaration that retries `EINTR` instead. Also the vCPU's signal mask, which blocks a
//! signal while the guest runs.

mod common;

use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use ioctl_core::ioctl;
use sev_ioctls::kvm::{GuestMemory, MemoryRegion, Vcpu, VcpuRun, Vm};

ioctl! {
    // SAFETY: KVM_RUN is `_IO(KVMIO, 0x80)` in linux/kvm.h and applies to vCPU fds. This
    // twin differs from the crate's only by retrying EINTR; it never reads `kvm_run`.
    unsafe {
        group 0xAE;
        none KVM_RUN_RETRYING_EINTR = 0x80 on Vcpu -> zero retry EINTR;
    }
}

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

/// Installs a SIGUSR1 handler without `SA_RESTART`, so the signal interrupts `KVM_RUN`.
fn install_handler() {
    // SAFETY: the handler only increments an atomic, which is async-signal-safe, and the
    // `sigaction` struct is fully initialized from zeros.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
    }
}

/// Gives `vm` memory that contains `program` at 0x1000, and a vCPU in real mode there.
fn boot<'vm>(vm: &'vm Vm, program: &[u8]) -> (MemoryRegion<'vm>, Vcpu) {
    let memory = GuestMemory::new(0x10000).unwrap();
    memory.write_at(0x1000, program).unwrap();
    let region = vm.set_user_memory_region(0, 0, memory, 0).unwrap();
    (region, common::real_mode_vcpu(vm, 0x1000))
}

#[test]
fn signal_kicks_running_vcpu_with_eintr() {
    let Some(kvm) = common::open_kvm("signal_kicks_running_vcpu_with_eintr") else { return };
    install_handler();
    let vm = kvm.create_vm().unwrap();
    let (_region, vcpu) = boot(&vm, b"\xeb\xfe"); // jmp $: runs until kicked
    let mut vcpu = VcpuRun::new(&kvm, vcpu).unwrap();

    let (started, wait_started) = mpsc::channel();
    let runner = std::thread::spawn(move || {
        started.send(()).unwrap();
        let result = vcpu.run().map(|exit| format!("{exit:?}"));
        (result, vcpu)
    });
    wait_started.recv().unwrap();

    // Keep signalling until the thread returns: a signal that arrives before KVM_RUN
    // starts is handled in user space and does not interrupt it.
    while !runner.is_finished() {
        // SAFETY: the thread is alive until `is_finished` is true, and SIGUSR1 has a handler.
        unsafe { libc::pthread_kill(runner.as_pthread_t(), libc::SIGUSR1) };
        std::thread::sleep(Duration::from_millis(20));
    }
    let (result, mut vcpu) = runner.join().unwrap();
    let error = result.expect_err("a signal interrupts KVM_RUN");
    assert_eq!(error.raw_os_error(), Some(libc::EINTR));

    // immediate_exit stops the next entry at once, with the same error.
    vcpu.set_immediate_exit(true);
    assert_eq!(vcpu.run().unwrap_err().raw_os_error(), Some(libc::EINTR));
}

#[test]
fn retry_eintr_runs_to_completion() {
    let Some(kvm) = common::open_kvm("retry_eintr_runs_to_completion") else { return };
    install_handler();
    let vm = kvm.create_vm().unwrap();
    // mov ecx, 0x40000 ; l: dec ecx ; jnz l ; hlt. Nested KVM may emulate real mode, so
    // the count is small enough to finish in about a second there.
    let (_region, vcpu) = boot(&vm, b"\x66\xb9\x00\x00\x04\x00\x66\x49\x75\xfc\xf4");

    let before = SIGNALS.load(Ordering::SeqCst);
    let runner = std::thread::spawn(move || KVM_RUN_RETRYING_EINTR.call(&vcpu));
    while !runner.is_finished() {
        // SAFETY: as above.
        unsafe { libc::pthread_kill(runner.as_pthread_t(), libc::SIGUSR1) };
        std::thread::sleep(Duration::from_millis(5));
    }
    let result = runner.join().unwrap();
    assert!(result.is_ok(), "the retrying declaration returns only after hlt: {result:?}");
    assert!(SIGNALS.load(Ordering::SeqCst) > before, "signals arrived while the vCPU ran");
}

static SECOND_SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_second_signal(_: libc::c_int) {
    SECOND_SIGNALS.fetch_add(1, Ordering::SeqCst);
}

/// Runs `vcpu` on a new thread and sends it `signal` every few milliseconds for `period`,
/// or until `KVM_RUN` returns. Returns whether it returned, and the vCPU with its result.
fn run_while_signalling(mut vcpu: VcpuRun, signal: libc::c_int, period: Duration) -> (bool, VcpuRun, Option<i32>) {
    let runner = std::thread::spawn(move || {
        let errno = vcpu.run().err().and_then(|error| error.raw_os_error());
        (vcpu, errno)
    });
    let start = std::time::Instant::now();
    while !runner.is_finished() && start.elapsed() < period {
        // SAFETY: the thread is alive until `is_finished` is true, and `signal` has a handler.
        unsafe { libc::pthread_kill(runner.as_pthread_t(), signal) };
        std::thread::sleep(Duration::from_millis(5));
    }
    let returned = runner.is_finished();
    if !returned {
        // Stop the vCPU with SIGUSR2, which no mask blocks here.
        while !runner.is_finished() {
            // SAFETY: as above; SIGUSR2 has a handler.
            unsafe { libc::pthread_kill(runner.as_pthread_t(), libc::SIGUSR2) };
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let (vcpu, errno) = runner.join().unwrap();
    (returned, vcpu, errno)
}

#[test]
fn signal_mask_blocks_until_cleared() {
    let Some(kvm) = common::open_kvm("signal_mask_blocks_until_cleared") else { return };
    install_handler();
    // SAFETY: as in `install_handler`, for SIGUSR2 and its own counter.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_second_signal as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()), 0);
    }
    let vm = kvm.create_vm().unwrap();
    let (_region, vcpu) = boot(&vm, b"\xeb\xfe"); // jmp $: runs until kicked
    let vcpu = VcpuRun::new(&kvm, vcpu).unwrap();

    // With SIGUSR1 in the vCPU's mask, SIGUSR1 stays pending while the guest runs; only
    // SIGUSR2 ends the run.
    vcpu.vcpu().set_signal_mask(1 << (libc::SIGUSR1 - 1)).unwrap();
    let (returned, vcpu, errno) = run_while_signalling(vcpu, libc::SIGUSR1, Duration::from_millis(300));
    assert!(!returned, "SIGUSR1 is masked while the guest runs, so it cannot end KVM_RUN");
    assert_eq!(errno, Some(libc::EINTR));

    // Without the mask, SIGUSR1 ends the run again.
    vcpu.vcpu().clear_signal_mask().unwrap();
    let (returned, _vcpu, errno) = run_while_signalling(vcpu, libc::SIGUSR1, Duration::from_secs(20));
    assert!(returned, "SIGUSR1 ends KVM_RUN once the mask is cleared");
    assert_eq!(errno, Some(libc::EINTR));
}
