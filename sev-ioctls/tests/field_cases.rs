//! Return values, explicit zero arguments and EINTR on a real /dev/kvm.

mod common;

use sev_ioctls::kvm::{
    VcpuRun, KVM_API_VERSION, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_NR_VCPUS, KVM_CHECK_EXTENSION, KVM_CREATE_VCPU,
    KVM_GET_API_VERSION, KVM_GET_REGS, KVM_GET_VCPU_MMAP_SIZE,
};

#[test]
fn return_values_pass_through() {
    let Some(kvm) = common::open_kvm("return_values_pass_through") else { return };
    assert_eq!(KVM_GET_API_VERSION.call(&kvm).unwrap(), KVM_API_VERSION);
    assert_eq!(KVM_API_VERSION, 12);

    let mmap_size = KVM_GET_VCPU_MMAP_SIZE.call(&kvm).unwrap();
    assert!(mmap_size > 0, "{mmap_size}");
    assert_eq!(mmap_size % 4096, 0, "{mmap_size}");

    let vcpus = KVM_CHECK_EXTENSION.call(&kvm, KVM_CAP_NR_VCPUS.into()).unwrap();
    assert!(vcpus > 0, "KVM_CAP_NR_VCPUS is {vcpus}");
    assert_eq!(KVM_CHECK_EXTENSION.call(&kvm, 0xFFFF).unwrap(), 0, "an unknown capability is 0, not an error");
}

#[test]
fn no_argument_ioctls_pass_zero() {
    let Some(kvm) = common::open_kvm("no_argument_ioctls_pass_zero") else { return };
    for call in 0..1000 {
        assert_eq!(KVM_GET_API_VERSION.call(&kvm).unwrap(), 12, "KVM_GET_API_VERSION call {call}");
    }
    let size = KVM_GET_VCPU_MMAP_SIZE.call(&kvm).unwrap();
    for call in 0..1000 {
        assert_eq!(KVM_GET_VCPU_MMAP_SIZE.call(&kvm).unwrap(), size, "KVM_GET_VCPU_MMAP_SIZE call {call}");
    }

    // KVM_RUN with a non-zero argument fails with EINVAL; with `immediate_exit` set it
    // returns EINTR before entering the guest, so every call shows which argument it got.
    if KVM_CHECK_EXTENSION.call(&kvm, KVM_CAP_IMMEDIATE_EXIT.into()).unwrap() == 0 {
        common::skip(format_args!("no_argument_ioctls_pass_zero, KVM_RUN part: KVM_CAP_IMMEDIATE_EXIT is not supported"));
        return;
    }
    let vm = kvm.create_vm().unwrap();
    let mut vcpu = VcpuRun::new(&kvm, KVM_CREATE_VCPU.call(&vm, 0).unwrap()).unwrap();
    vcpu.set_immediate_exit(true);
    for call in 0..1000 {
        let error = vcpu.run().unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::EINTR), "KVM_RUN call {call}: {error}");
    }
}

#[test]
fn eintr_reaches_caller_unretried() {
    let Some(kvm) = common::open_kvm("eintr_reaches_caller_unretried") else { return };
    if KVM_CHECK_EXTENSION.call(&kvm, KVM_CAP_IMMEDIATE_EXIT.into()).unwrap() == 0 {
        common::skip(format_args!("eintr_reaches_caller_unretried: KVM_CAP_IMMEDIATE_EXIT is not supported"));
        return;
    }
    let vm = kvm.create_vm().unwrap();
    let mut vcpu = VcpuRun::new(&kvm, KVM_CREATE_VCPU.call(&vm, 0).unwrap()).unwrap();
    vcpu.set_immediate_exit(true);

    // A retry loop inside the call would never return here: the flag stays set.
    let error = vcpu.run().unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::EINTR));
    assert_eq!(error.kind(), std::io::ErrorKind::Interrupted);

    // The vCPU is still usable after EINTR.
    KVM_GET_REGS.call(vcpu.vcpu()).unwrap();
}
