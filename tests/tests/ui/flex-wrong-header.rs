//! `KVM_SET_MSRS` takes a `Flex<kvm_msrs>`; CPUID entries are not MSR entries.

use ioctl_core::Flex;
use sev_ioctls::kvm::{kvm_cpuid2, Vcpu, KVM_SET_MSRS};

fn set(vcpu: &Vcpu) -> std::io::Result<i32> {
    let cpuid = Flex::<kvm_cpuid2>::with_capacity(4)?;
    KVM_SET_MSRS.call(vcpu, &cpuid)
}

fn main() {}
