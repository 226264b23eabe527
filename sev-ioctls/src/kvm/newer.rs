//! KVM UAPI for confidential guests that is newer than the Linux 6.1 headers installed
//! here: guest_memfd, `KVM_SET_USER_MEMORY_REGION2` and memory attributes (Linux 6.8),
//! and the VM types of `KVM_CREATE_VM` (Linux 6.10).
//!
//! NOTE: these numbers, constants and layouts come from the kernel documentation and the
//! UAPI headers of Linux 6.8 to 6.12, not from the installed headers, so gcc does not
//! check them on this machine. The header test compares each ioctl and constant whose
//! macro the installed headers define, and lists the rest as unverified.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types, missing_docs)]

use std::io;
use std::os::fd::AsRawFd;

use ioctl_core::{ioctl, AnyBitPattern, StructLayout};

use super::{GuestMemory, MemoryRegion, Vm};
use crate::tables::{c_constants, CLayout};

ioctl! {
    // SAFETY: every declaration below matches `include/uapi/linux/kvm.h` of Linux 6.8 and
    // later (direction, number, payload type and return value). The region payload holds
    // a host address that the kernel keeps, so it is private.
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub table KVM_UNVERIFIED_IOCTLS;

        /// A guest_memfd: guest memory that the host cannot map by default, created by
        /// [`KVM_CREATE_GUEST_MEMFD`].
        pub fd GuestMemfd;

        /// Maps guest physical memory to a host address and, with `KVM_MEM_GUEST_MEMFD`, to
        /// a range of a guest_memfd. Safe code reaches it through
        /// [`Vm::set_user_memory_region2`], which fills the address from a [`GuestMemory`].
        pub(crate) write KVM_SET_USER_MEMORY_REGION2 = 0x49 => kvm_userspace_memory_region2 on Vm -> zero;
        /// Sets attributes (`KVM_MEMORY_ATTRIBUTE_PRIVATE`) of a guest physical range.
        pub write KVM_SET_MEMORY_ATTRIBUTES = 0xD2 => kvm_memory_attributes on Vm -> zero;
        /// Creates a guest_memfd of `size` bytes for this VM.
        pub readwrite KVM_CREATE_GUEST_MEMFD = 0xD4 => kvm_create_guest_memfd on Vm -> GuestMemfd;
    }
}

c_constants! {
    /// Every constant of this module as `(C name, value)`.
    pub KVM_UNVERIFIED_CONSTANTS:

    KVM_CAP_USER_MEMORY2: u32 = 231;
    KVM_CAP_MEMORY_ATTRIBUTES: u32 = 233;
    KVM_CAP_GUEST_MEMFD: u32 = 234;
    KVM_CAP_VM_TYPES: u32 = 235;

    /// `kvm_userspace_memory_region2.flags`: the slot's private memory is a guest_memfd.
    KVM_MEM_GUEST_MEMFD: u32 = 1 << 2;
    /// `kvm_memory_attributes.attributes`: the range is private to the guest.
    KVM_MEMORY_ATTRIBUTE_PRIVATE: u64 = 1 << 3;

    /// `KVM_CREATE_VM` type: a default VM.
    KVM_X86_DEFAULT_VM: u64 = 0;
    /// `KVM_CREATE_VM` type: a VM with software-protected private memory (testing only).
    KVM_X86_SW_PROTECTED_VM: u64 = 1;
    /// `KVM_CREATE_VM` type: an SEV guest (initialized with `KVM_SEV_INIT2`).
    KVM_X86_SEV_VM: u64 = 2;
    /// `KVM_CREATE_VM` type: an SEV-ES guest.
    KVM_X86_SEV_ES_VM: u64 = 3;
    /// `KVM_CREATE_VM` type: an SEV-SNP guest.
    KVM_X86_SNP_VM: u64 = 4;
}

/// `struct kvm_userspace_memory_region2`, the payload of `KVM_SET_USER_MEMORY_REGION2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_userspace_memory_region2 {
    pub slot: u32,
    pub flags: u32,
    pub guest_phys_addr: u64,
    pub memory_size: u64,
    pub userspace_addr: u64,
    pub guest_memfd_offset: u64,
    pub guest_memfd: u32,
    pub pad1: u32,
    pub pad2: [u64; 14],
}

/// `struct kvm_memory_attributes`, the payload of `KVM_SET_MEMORY_ATTRIBUTES`: a guest
/// physical range and its attributes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_memory_attributes {
    pub address: u64,
    pub size: u64,
    pub attributes: u64,
    pub flags: u64,
}

/// `struct kvm_create_guest_memfd`, the payload of `KVM_CREATE_GUEST_MEMFD`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_create_guest_memfd {
    pub size: u64,
    pub flags: u64,
    pub reserved: [u64; 6],
}

/// The layout of every payload type of this module.
pub const KVM_UNVERIFIED_LAYOUTS: &[CLayout] = &[
    CLayout::of::<kvm_userspace_memory_region2>(),
    CLayout::of::<kvm_memory_attributes>(),
    CLayout::of::<kvm_create_guest_memfd>(),
];

impl Vm {
    /// Registers `memory` as slot `slot` at guest physical address `guest_phys_addr`
    /// (`KVM_SET_USER_MEMORY_REGION2`), with `flags` such as
    /// [`KVM_MEM_READONLY`](super::KVM_MEM_READONLY). The slot is removed when the
    /// returned region is dropped, as with [`set_user_memory_region`](Self::set_user_memory_region).
    ///
    /// With `private = Some((memfd, offset))`, the slot's private pages come from
    /// `memory.len()` bytes of `memfd` starting at `offset`, and [`KVM_MEM_GUEST_MEMFD`] is
    /// added to `flags`. The kernel then requires a VM type that supports guest_memfd (see
    /// [`KVM_CAP_VM_TYPES`] and [`KVM_CAP_GUEST_MEMFD`]), a page-aligned `offset`, and the
    /// range inside the guest_memfd, and fails with `EINVAL` otherwise. The guest_memfd need not outlive the region: when
    /// its last fd closes, the kernel detaches it from the slot.
    ///
    /// `KVM_MEM_GUEST_MEMFD` in `flags` without a guest_memfd is rejected with
    /// [`io::ErrorKind::InvalidInput`] before any call. On failure the memory is unmapped
    /// and the error is returned. Needs [`KVM_CAP_USER_MEMORY2`] (Linux 6.8); older kernels
    /// fail with `ENOTTY`.
    pub fn set_user_memory_region2(
        &self,
        slot: u32,
        guest_phys_addr: u64,
        memory: GuestMemory,
        flags: u32,
        private: Option<(&GuestMemfd, u64)>,
    ) -> io::Result<MemoryRegion<'_>> {
        let mut region = kvm_userspace_memory_region2 {
            slot,
            flags,
            guest_phys_addr,
            memory_size: memory.len() as u64,
            userspace_addr: memory.host_address(),
            ..kvm_userspace_memory_region2::default()
        };
        match private {
            Some((memfd, offset)) => {
                // A valid fd is never negative.
                region.guest_memfd = memfd.as_raw_fd() as u32;
                region.guest_memfd_offset = offset;
                region.flags |= KVM_MEM_GUEST_MEMFD;
            }
            None if flags & KVM_MEM_GUEST_MEMFD != 0 => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "KVM_MEM_GUEST_MEMFD is set but no guest_memfd was given; pass Some((memfd, offset)) as `private`",
                ));
            }
            None => {}
        }
        KVM_SET_USER_MEMORY_REGION2.call(self, &region)?;
        Ok(MemoryRegion::registered(self, slot, guest_phys_addr, memory, true))
    }

    /// Creates a guest_memfd of `size` bytes with `flags` (`KVM_CREATE_GUEST_MEMFD`).
    pub fn create_guest_memfd(&self, size: u64, flags: u64) -> io::Result<GuestMemfd> {
        let mut payload = kvm_create_guest_memfd { size, flags, ..kvm_create_guest_memfd::default() };
        KVM_CREATE_GUEST_MEMFD.call(self, &mut payload)
    }
}

/// Deletes slot `slot` with `KVM_SET_USER_MEMORY_REGION2` and a size of 0.
pub(super) fn delete_slot2(vm: &Vm, slot: u32, guest_phys_addr: u64) -> io::Result<()> {
    let delete = kvm_userspace_memory_region2 { slot, guest_phys_addr, ..kvm_userspace_memory_region2::default() };
    KVM_SET_USER_MEMORY_REGION2.call(vm, &delete)
}
