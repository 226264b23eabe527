//! Flexible array payloads: each ioctl takes a `Flex` of its own header, `_IOWR` ones
//! by `&mut` and `_IOW` ones by `&`, and a count above the capacity is rejected before
//! the system call.

use ioctl_core::{Flex, FlexHeader};
use sev_ioctls::kvm::{
    kvm_cpuid2, kvm_cpuid_entry2, kvm_msr_entry, kvm_msr_list, kvm_msrs, Kvm, Vcpu, KVM_GET_MSRS,
    KVM_GET_MSR_INDEX_LIST, KVM_SET_CPUID2, KVM_SET_MSRS,
};

fn calls(kvm: &Kvm, vcpu: &Vcpu) -> std::io::Result<()> {
    let mut list = Flex::<kvm_msr_list>::with_capacity(0)?;
    let _ = KVM_GET_MSR_INDEX_LIST.call(kvm, &mut list);
    let ((), _grown) = KVM_GET_MSR_INDEX_LIST.call_growing(kvm, list.header().len(), 4096)?;

    let entry = kvm_msr_entry { index: 0x174, data: 0x10, ..Default::default() };
    let msrs = Flex::from_elements(kvm_msrs::default(), &[entry])?;
    let _written: i32 = KVM_SET_MSRS.call(vcpu, &msrs)?;
    let mut msrs = msrs;
    let _read: i32 = KVM_GET_MSRS.call(vcpu, &mut msrs)?;
    let _feature: i32 = KVM_GET_MSRS.call(kvm, &mut msrs)?;

    let cpuid = Flex::from_elements(kvm_cpuid2::default(), &[kvm_cpuid_entry2::default()])?;
    KVM_SET_CPUID2.call(vcpu, &cpuid)
}

fn main() -> std::io::Result<()> {
    let _ = calls;

    let mut msrs = Flex::<kvm_msrs>::with_capacity(2)?;
    assert_eq!(msrs.header().nmsrs, 2, "the count starts at the capacity");
    assert!(msrs.set_len(3).is_err(), "set_len never exceeds the capacity");
    msrs.header_mut().nmsrs = 1000;
    assert_eq!(msrs.elements().len(), 2, "a count above the capacity shows only the capacity");

    // Declared for vCPUs; /dev/null would fail with ENOTTY, so InvalidInput shows that
    // the call stopped before the kernel.
    // SAFETY: the call is rejected before it reaches the descriptor.
    let vcpu = unsafe { Vcpu::from_fd_unchecked(std::fs::File::open("/dev/null")?.into()) };
    let error = KVM_SET_MSRS.call(&vcpu, &msrs).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    Ok(())
}
