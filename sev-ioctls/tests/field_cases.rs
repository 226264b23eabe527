//! Request numbers from real bug reports, and return values, explicit zero arguments and
//! EINTR on a real /dev/kvm.

mod common;

use std::mem::offset_of;

use sev_ioctls::kvm::{
    kvm_run, VcpuRun, KVM_API_VERSION, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_NR_VCPUS, KVM_CHECK_EXTENSION, KVM_CREATE_VCPU,
    KVM_GET_API_VERSION, KVM_GET_REGS, KVM_GET_VCPU_MMAP_SIZE,
};

/// x86_64 numbers that wrappers got wrong in the field, looked up by C name in the crate's
/// tables (private declarations included). The header test compares every number with gcc;
/// this list pins the ones that users reported.
#[test]
fn reported_request_numbers() {
    let expected = [
        ("KVM_GET_API_VERSION", 0x0000_AE00),
        ("KVM_CREATE_VM", 0x0000_AE01),
        ("KVM_GET_MSR_INDEX_LIST", 0xC004_AE02),
        ("KVM_CHECK_EXTENSION", 0x0000_AE03),
        ("KVM_GET_VCPU_MMAP_SIZE", 0x0000_AE04),
        ("KVM_GET_SUPPORTED_CPUID", 0xC008_AE05),
        ("KVM_CREATE_VCPU", 0x0000_AE41),
        ("KVM_SET_USER_MEMORY_REGION", 0x4020_AE46),
        ("KVM_RUN", 0x0000_AE80),
        ("KVM_GET_REGS", 0x8090_AE81),
        ("KVM_SET_REGS", 0x4090_AE82),
        ("KVM_GET_MSRS", 0xC008_AE88),
        ("KVM_SIGNAL_MSI", 0x4020_AEA5),
        ("KVM_MEMORY_ENCRYPT_OP", 0xC008_AEBA),
        ("KVM_CREATE_DEVICE", 0xC00C_AEE0),
    ];
    for (name, request) in expected {
        let info = sev_ioctls::tables::IOCTLS
            .iter()
            .flat_map(|table| table.iter())
            .find(|info| info.name == name)
            .unwrap_or_else(|| panic!("{name} is not declared"));
        assert_eq!(info.request, request, "{name} is {:#010x}, expected {request:#010x}", info.request);
    }
    assert_eq!(offset_of!(kvm_run, immediate_exit), 1, "KVM_RUN reads `immediate_exit` at byte 1");
}

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
