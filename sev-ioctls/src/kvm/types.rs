//! Payload structs of `linux/kvm.h` for x86_64, named as in C.
//!
//! Each struct mirrors the header field by field; the header check compares every size,
//! alignment and field offset with what gcc computes from `/usr/include/linux/kvm.h`.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types, missing_docs)]

use ioctl_core::{AnyBitPattern, StructLayout};

use super::{KVM_MSR_FILTER_MAX_RANGES, KVM_NR_INTERRUPTS};

/// `struct kvm_regs`: the general-purpose registers, `rip` and `rflags`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_regs {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rsp: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rflags: u64,
}

/// `struct kvm_segment`: a segment register with its hidden descriptor part.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_segment {
    pub base: u64,
    pub limit: u32,
    pub selector: u16,
    pub type_: u8,
    pub present: u8,
    pub dpl: u8,
    pub db: u8,
    pub s: u8,
    pub l: u8,
    pub g: u8,
    pub avl: u8,
    pub unusable: u8,
    pub padding: u8,
}

/// `struct kvm_dtable`: a descriptor-table register (GDTR or IDTR).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_dtable {
    pub base: u64,
    pub limit: u16,
    pub padding: [u16; 3],
}

/// `struct kvm_sregs`: segment, descriptor-table and control registers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sregs {
    pub cs: kvm_segment,
    pub ds: kvm_segment,
    pub es: kvm_segment,
    pub fs: kvm_segment,
    pub gs: kvm_segment,
    pub ss: kvm_segment,
    pub tr: kvm_segment,
    pub ldt: kvm_segment,
    pub gdt: kvm_dtable,
    pub idt: kvm_dtable,
    pub cr0: u64,
    pub cr2: u64,
    pub cr3: u64,
    pub cr4: u64,
    pub cr8: u64,
    pub efer: u64,
    pub apic_base: u64,
    pub interrupt_bitmap: [u64; KVM_NR_INTERRUPTS.div_ceil(64)],
}

/// `struct kvm_userspace_memory_region`, the payload of `KVM_SET_USER_MEMORY_REGION`.
///
/// Its `userspace_addr` is an address that the kernel keeps and the guest writes through,
/// so safe code never builds one: [`Vm::set_user_memory_region`](crate::kvm::Vm::set_user_memory_region)
/// fills it from memory that the returned guard owns.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_userspace_memory_region {
    pub slot: u32,
    pub flags: u32,
    pub guest_phys_addr: u64,
    pub memory_size: u64,
    pub userspace_addr: u64,
}

/// The head of `struct kvm_run`, the area that `mmap` of a vCPU fd shares with the
/// kernel. The exit union and the synced registers follow as raw bytes.
#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
pub struct kvm_run {
    pub request_interrupt_window: u8,
    pub immediate_exit: u8,
    pub padding1: [u8; 6],
    pub exit_reason: u32,
    pub ready_for_interrupt_injection: u8,
    pub if_flag: u8,
    pub flags: u16,
    pub cr8: u64,
    pub apic_base: u64,
    /// The exit-specific union; its layout depends on `exit_reason`.
    pub exit: [u64; 32],
    pub kvm_valid_regs: u64,
    pub kvm_dirty_regs: u64,
    /// The synced-registers union (`SYNC_REGS_SIZE_BYTES`).
    pub s: [u8; 2048],
}

/// The `io` member of the exit union of `struct kvm_run` (`KVM_EXIT_IO`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub struct kvm_run_io {
    pub direction: u8,
    pub size: u8,
    pub port: u16,
    pub count: u32,
    pub data_offset: u64,
}

/// The `mmio` member of the exit union of `struct kvm_run` (`KVM_EXIT_MMIO`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub struct kvm_run_mmio {
    pub phys_addr: u64,
    pub data: [u8; 8],
    pub len: u32,
    pub is_write: u8,
}

/// The `fail_entry` member of the exit union (`KVM_EXIT_FAIL_ENTRY`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub struct kvm_run_fail_entry {
    pub hardware_entry_failure_reason: u64,
    pub cpu: u32,
}

/// The `internal` member of the exit union (`KVM_EXIT_INTERNAL_ERROR`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub struct kvm_run_internal {
    pub suberror: u32,
    pub ndata: u32,
    pub data: [u64; 16],
}

/// `struct kvm_create_device`, the payload of `KVM_CREATE_DEVICE`; the kernel writes the
/// new device's fd into `fd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_create_device {
    pub type_: u32,
    pub fd: u32,
    pub flags: u32,
}

/// `struct kvm_clock_data`, the payload of `KVM_GET_CLOCK` and `KVM_SET_CLOCK`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_clock_data {
    pub clock: u64,
    pub flags: u32,
    pub pad0: u32,
    pub realtime: u64,
    pub host_tsc: u64,
    pub pad: [u32; 4],
}

/// `struct kvm_enable_cap`, the payload of `KVM_ENABLE_CAP`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_enable_cap {
    pub cap: u32,
    pub flags: u32,
    pub args: [u64; 4],
    pub pad: [u8; 64],
}

impl Default for kvm_enable_cap {
    fn default() -> Self {
        ioctl_core::zeroed()
    }
}

/// `struct kvm_dirty_log`, the payload of `KVM_GET_DIRTY_LOG`. `dirty_bitmap` is the
/// address of a buffer that the kernel fills with one bit per page of the slot.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_dirty_log {
    pub slot: u32,
    pub padding1: u32,
    pub dirty_bitmap: u64,
}

/// `struct kvm_clear_dirty_log`, the payload of `KVM_CLEAR_DIRTY_LOG`. `dirty_bitmap` is
/// the address of a bitmap that the kernel reads.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_clear_dirty_log {
    pub slot: u32,
    pub num_pages: u32,
    pub first_page: u64,
    pub dirty_bitmap: u64,
}

/// `struct kvm_msr_filter_range`: one range of `KVM_X86_SET_MSR_FILTER`. `bitmap` is the
/// address of a bitmap that the kernel copies.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_msr_filter_range {
    pub flags: u32,
    pub nmsrs: u32,
    pub base: u32,
    pub bitmap: u64,
}

/// `struct kvm_msr_filter`, the payload of `KVM_X86_SET_MSR_FILTER`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_msr_filter {
    pub flags: u32,
    pub ranges: [kvm_msr_filter_range; KVM_MSR_FILTER_MAX_RANGES],
}

/// `struct kvm_coalesced_mmio_zone`, the payload of `KVM_REGISTER_COALESCED_MMIO`. The C
/// header names the last field both `pad` and `pio` (a union).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_coalesced_mmio_zone {
    pub addr: u64,
    pub size: u32,
    pub pio: u32,
}

/// `struct kvm_enc_region`, the payload of `KVM_MEMORY_ENCRYPT_REG_REGION` and
/// `KVM_MEMORY_ENCRYPT_UNREG_REGION`: a range of host virtual addresses.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_enc_region {
    pub addr: u64,
    pub size: u64,
}

/// `struct kvm_device_attr`, the payload of the device-attribute ioctls. `addr` is the
/// address of the attribute's value, whose size the attribute defines.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_device_attr {
    pub flags: u32,
    pub group: u32,
    pub attr: u64,
    pub addr: u64,
}

/// `struct kvm_one_reg`, the payload of `KVM_GET_ONE_REG` and `KVM_SET_ONE_REG`. `addr` is
/// the address of the register's value, whose size `id` encodes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_one_reg {
    pub id: u64,
    pub addr: u64,
}

/// `struct kvm_sev_cmd`, the payload of `KVM_MEMORY_ENCRYPT_OP` on AMD hosts: a `KVM_SEV_*`
/// command id, the address of the command's payload, the firmware status and an fd of
/// `/dev/sev`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_cmd {
    pub id: u32,
    pub data: u64,
    pub error: u32,
    pub sev_fd: u32,
}
