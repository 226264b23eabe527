//! The kernel writes the values into a `KVM_GET_MSRS` payload, so the call takes
//! `&mut Flex`; a shared borrow does not compile.

use ioctl_core::Flex;
use sev_ioctls::kvm::{kvm_msrs, Vcpu, KVM_GET_MSRS};

fn get(vcpu: &Vcpu) -> std::io::Result<i32> {
    let msrs = Flex::<kvm_msrs>::with_capacity(1)?;
    KVM_GET_MSRS.call(vcpu, &msrs)
}

fn main() {}
