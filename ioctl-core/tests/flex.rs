//! Flexible array payloads: capacity checks, E2BIG headers and grow-and-retry on /dev/kvm.

mod common;

use std::io;
use std::num::TryFromIntError;

use ioctl_core::{ioctl, AnyBitPattern, Flex, FlexHeader};

/// `struct kvm_msr_list` without its `indices[]` member.
#[repr(C)]
#[derive(Clone, Copy, Debug, AnyBitPattern)]
struct MsrList {
    nmsrs: u32,
}

// SAFETY: in `struct kvm_msr_list`, `__u32 indices[]` follows `__u32 nmsrs` at offset 4,
// and the kernel reads `nmsrs` as the number of indices.
unsafe impl FlexHeader for MsrList {
    type Element = u32;

    fn len(&self) -> usize {
        self.nmsrs as usize
    }

    fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
        self.nmsrs = len.try_into()?;
        Ok(())
    }
}

/// `struct kvm_cpuid2` without its `entries[]` member.
#[repr(C)]
#[derive(Clone, Copy, Debug, AnyBitPattern)]
struct Cpuid2 {
    nent: u32,
    padding: u32,
}

/// `struct kvm_cpuid_entry2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, AnyBitPattern)]
struct CpuidEntry2 {
    function: u32,
    index: u32,
    flags: u32,
    eax: u32,
    ebx: u32,
    ecx: u32,
    edx: u32,
    padding: [u32; 3],
}

// SAFETY: in `struct kvm_cpuid2`, `struct kvm_cpuid_entry2 entries[]` follows the 8-byte
// header, and the kernel reads `nent` as the number of entries.
unsafe impl FlexHeader for Cpuid2 {
    type Element = CpuidEntry2;

    fn len(&self) -> usize {
        self.nent as usize
    }

    fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
        self.nent = len.try_into()?;
        Ok(())
    }
}

ioctl! {
    // SAFETY: KVM_GET_MSR_INDEX_LIST is `_IOWR(KVMIO, 0x02, struct kvm_msr_list)` and
    // KVM_GET_SUPPORTED_CPUID `_IOWR(KVMIO, 0x05, struct kvm_cpuid2)` in linux/kvm.h; both
    // write at most the counted elements, and both apply to /dev/kvm.
    unsafe {
        group 0xAE;
        fd Kvm = "/dev/kvm";
        readwrite KVM_GET_MSR_INDEX_LIST = 0x02 => MsrList[] on Kvm -> zero;
        readwrite KVM_GET_SUPPORTED_CPUID = 0x05 => Cpuid2[] on Kvm -> zero;
    }
}

fn open_kvm(test: &str) -> Option<Kvm> {
    common::kvm_or_skip(test, Kvm::open())
}

#[test]
fn number_encodes_header_only() {
    assert_eq!(KVM_GET_MSR_INDEX_LIST.request(), 0xC004_AE02);
    assert_eq!(KVM_GET_SUPPORTED_CPUID.request(), 0xC008_AE05);
}

#[test]
fn capacity_sets_count_and_zeroes() {
    let flex = Flex::<Cpuid2>::with_capacity(3).unwrap();
    assert_eq!(flex.capacity(), 3);
    assert_eq!(flex.header().nent, 3);
    assert_eq!(flex.elements().len(), 3);
    assert!(flex.elements().iter().all(|entry| entry.function == 0 && entry.eax == 0));
}

#[test]
fn from_elements_copies_and_counts() {
    let flex = Flex::from_elements(MsrList { nmsrs: 0 }, &[0x10, 0x174]).unwrap();
    assert_eq!(flex.header().nmsrs, 2);
    assert_eq!(flex.elements(), [0x10, 0x174]);
    let copy = flex.clone();
    assert_eq!(copy.elements(), flex.elements());
}

#[test]
fn overclaimed_count_is_rejected_before_the_call() {
    let null = std::fs::File::open("/dev/null").unwrap();
    let mut flex = Flex::<MsrList>::with_capacity(2).unwrap();
    flex.header_mut().nmsrs = 1000;
    assert_eq!(flex.elements().len(), 2, "elements never exceed the capacity");
    assert_eq!(flex.set_len(3).unwrap_err().kind(), io::ErrorKind::InvalidInput);

    // Declared for /dev/kvm; the same number on /dev/null would fail with ENOTTY, so an
    // InvalidInput error shows that the kernel was never called.
    // SAFETY: the call is rejected before it reaches the descriptor.
    let fake = unsafe { Kvm::from_fd_unchecked(null.into()) };
    let error = KVM_GET_MSR_INDEX_LIST.call(&fake, &mut flex).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("claims 1000 elements but only 2"), "{error}");
}

#[test]
fn msr_list_e2big_reports_needed_count() {
    let Some(kvm) = open_kvm("msr_list_e2big_reports_needed_count") else { return };
    let mut empty = Flex::<MsrList>::with_capacity(0).unwrap();
    let error = KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut empty).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::E2BIG));
    let needed = empty.header().len();
    assert!(needed > 0, "the kernel wrote the needed count into the header");
    assert!(empty.elements().is_empty(), "no element is visible beyond the capacity");

    let mut list = Flex::<MsrList>::with_capacity(needed).unwrap();
    KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut list).unwrap();
    assert_eq!(list.elements().len(), needed);
    assert!(list.elements().contains(&0x10), "MSR_IA32_TSC is listed");
}

#[test]
fn cpuid_grows_until_it_fits() {
    let Some(kvm) = open_kvm("cpuid_grows_until_it_fits") else { return };
    let mut one = Flex::<Cpuid2>::with_capacity(1).unwrap();
    let error = KVM_GET_SUPPORTED_CPUID.call(&kvm, &mut one).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::E2BIG));
    assert_eq!(one.header().nent, 1, "the kernel does not write back nent on E2BIG");

    let ((), cpuid) = KVM_GET_SUPPORTED_CPUID.call_growing(&kvm, 1, 256).unwrap();
    assert!(cpuid.elements().len() > 1);
    assert!(cpuid.capacity() <= 256);
    assert!(cpuid.elements().iter().any(|entry| entry.function == 0), "leaf 0 is listed");

    let error = KVM_GET_SUPPORTED_CPUID.call_growing(&kvm, 1, 2).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::E2BIG), "too small a maximum returns the last E2BIG");
}
