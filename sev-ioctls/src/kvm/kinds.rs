//! Fd kinds for ioctls that KVM serves on more than one kind of file descriptor.
//!
//! An ioctl declared `on KvmOrVm` accepts a [`Kvm`] and a [`Vm`], and so on. Each kind
//! lists the handles whose drivers give every ioctl declared on it the same meaning, so
//! implementing [`Target`] for them keeps the contract of each declaration.

use ioctl_core::Target;

use super::{Device, Kvm, Vcpu, Vm};

/// The fd kind of `KVM_CHECK_EXTENSION`, which the system fd and VM fds serve.
///
/// On a VM fd the answer can depend on the VM (`KVM_CAP_CHECK_EXTENSION_VM`).
#[derive(Debug)]
pub enum KvmOrVm {}

// SAFETY: `kvm_dev_ioctl` and `kvm_vm_ioctl` both serve KVM_CHECK_EXTENSION, the only ioctl
// declared on this kind, with a capability number by value and the answer as the return
// value; neither touches memory.
unsafe impl Target<KvmOrVm> for Kvm {}
// SAFETY: as above.
unsafe impl Target<KvmOrVm> for Vm {}

/// The fd kind of ioctls that VM fds and vCPU fds serve alike: `KVM_ENABLE_CAP`,
/// `KVM_GET_STATS_FD`, `KVM_SET_TSC_KHZ` and `KVM_GET_TSC_KHZ`.
#[derive(Debug)]
pub enum VmOrVcpu {}

// SAFETY: `kvm_vm_ioctl` and `kvm_vcpu_ioctl` serve each ioctl declared on this kind with
// the same payload, direction and return convention (see each declaration).
unsafe impl Target<VmOrVcpu> for Vm {}
// SAFETY: as above.
unsafe impl Target<VmOrVcpu> for Vcpu {}

/// The fd kind of the device-attribute ioctls (`KVM_SET_DEVICE_ATTR`,
/// `KVM_GET_DEVICE_ATTR`, `KVM_HAS_DEVICE_ATTR`), which device fds, vCPU fds and, on
/// x86_64, the system fd serve.
#[derive(Debug)]
pub enum AttrFd {}

// SAFETY: each of these drivers reads a `kvm_device_attr` and never writes it; what the
// kernel does with the `addr` field depends on the attribute, which is why the
// declarations are private and only reached through wrappers that know the attribute.
unsafe impl Target<AttrFd> for Device {}
// SAFETY: as above.
unsafe impl Target<AttrFd> for Vcpu {}
// SAFETY: as above.
unsafe impl Target<AttrFd> for Kvm {}

/// The fd kind of ioctls that the system fd and vCPU fds serve alike: `KVM_GET_MSRS`
/// (feature MSRs on the system fd) and `KVM_GET_SUPPORTED_HV_CPUID`.
#[derive(Debug)]
pub enum KvmOrVcpu {}

// SAFETY: `kvm_arch_dev_ioctl` and `kvm_arch_vcpu_ioctl` serve each ioctl declared on this
// kind with the same payload (`kvm_msrs` or `kvm_cpuid2` and its entries), the same
// direction and the same return convention; on the system fd `KVM_GET_MSRS` reads feature
// MSRs instead of a vCPU's.
unsafe impl Target<KvmOrVcpu> for Kvm {}
// SAFETY: as above.
unsafe impl Target<KvmOrVcpu> for Vcpu {}
