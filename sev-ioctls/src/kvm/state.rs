//! Payload structs of the vCPU state ioctls of `asm/kvm.h` and `linux/kvm.h` (x86_64),
//! named as in C.
//!
//! Each struct mirrors the header field by field; the header check compares every size,
//! alignment and field offset with what gcc computes.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types, missing_docs)]

use ioctl_core::{AnyBitPattern, StructLayout};

use super::{kvm_dtable, kvm_segment, KVM_APIC_REG_SIZE, KVM_MAX_XCRS};

/// Implements `Default` as all zeros, for structs with arrays longer than 32 elements.
macro_rules! zeroed_default {
    ($($name:ident),* $(,)?) => {
        $(
            impl Default for $name {
                fn default() -> Self {
                    ioctl_core::zeroed()
                }
            }
        )*
    };
}
pub(crate) use zeroed_default;

/// `struct kvm_fpu`: the x87 and SSE state in `fxsave` layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_fpu {
    pub fpr: [[u8; 16]; 8],
    pub fcw: u16,
    pub fsw: u16,
    pub ftwx: u8,
    pub pad1: u8,
    pub last_opcode: u16,
    pub last_ip: u64,
    pub last_dp: u64,
    pub xmm: [[u8; 16]; 16],
    pub mxcsr: u32,
    pub pad2: u32,
}

/// `struct kvm_lapic_state`: the local APIC's register page. C declares `regs` as
/// `char`; bytes are bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_lapic_state {
    pub regs: [u8; KVM_APIC_REG_SIZE],
}

/// `struct kvm_xsave` as `KVM_GET_XSAVE` returns it: the first 4096 bytes of the XSAVE
/// area, in the standard (non-compacted) format.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_xsave {
    pub region: [u32; 1024],
}

/// `struct kvm_xsave` with room for its flexible `extra` member: 16 KiB, enough for every
/// XSAVE area that a CPU with `CPUID.(EAX=0DH,ECX=0):ECX` of at most 16384 reports. The
/// payload of `KVM_GET_XSAVE2` and `KVM_SET_XSAVE`, which move as many bytes as the
/// vCPU's XSAVE area has.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_xsave_area {
    pub region: [u32; 1024],
    pub extra: [u32; 3072],
}

/// `struct kvm_xcr`: one extended control register.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_xcr {
    pub xcr: u32,
    pub reserved: u32,
    pub value: u64,
}

/// `struct kvm_xcrs`: the extended control registers (`XCR0`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_xcrs {
    pub nr_xcrs: u32,
    pub flags: u32,
    pub xcrs: [kvm_xcr; KVM_MAX_XCRS],
    pub padding: [u64; 16],
}

/// `struct kvm_debugregs`: `DR0`–`DR3`, `DR6` and `DR7`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_debugregs {
    pub db: [u64; 4],
    pub dr6: u64,
    pub dr7: u64,
    pub flags: u64,
    pub reserved: [u64; 9],
}

/// The `exception` member of `struct kvm_vcpu_events`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vcpu_events_exception {
    pub injected: u8,
    pub nr: u8,
    pub has_error_code: u8,
    pub pending: u8,
    pub error_code: u32,
}

/// The `interrupt` member of `struct kvm_vcpu_events`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vcpu_events_interrupt {
    pub injected: u8,
    pub nr: u8,
    pub soft: u8,
    pub shadow: u8,
}

/// The `nmi` member of `struct kvm_vcpu_events`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vcpu_events_nmi {
    pub injected: u8,
    pub pending: u8,
    pub masked: u8,
    pub pad: u8,
}

/// The `smi` member of `struct kvm_vcpu_events`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vcpu_events_smi {
    pub smm: u8,
    pub pending: u8,
    pub smm_inside_nmi: u8,
    pub latched_init: u8,
}

/// The `triple_fault` member of `struct kvm_vcpu_events`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vcpu_events_triple_fault {
    pub pending: u8,
}

/// `struct kvm_vcpu_events`: pending exceptions, interrupts, NMIs and SMIs.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vcpu_events {
    pub exception: kvm_vcpu_events_exception,
    pub interrupt: kvm_vcpu_events_interrupt,
    pub nmi: kvm_vcpu_events_nmi,
    pub sipi_vector: u32,
    pub flags: u32,
    pub smi: kvm_vcpu_events_smi,
    pub triple_fault: kvm_vcpu_events_triple_fault,
    pub reserved: [u8; 26],
    pub exception_has_payload: u8,
    pub exception_payload: u64,
}

/// `struct kvm_mp_state`: the vCPU's multiprocessing state (`KVM_MP_STATE_*`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_mp_state {
    pub mp_state: u32,
}

/// `struct kvm_sregs2`: the special registers with the PAE page-directory pointers and
/// without the interrupt bitmap of `kvm_sregs`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sregs2 {
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
    pub flags: u64,
    pub pdptrs: [u64; 4],
}

/// `struct kvm_guest_debug_arch`: the debug registers for `KVM_GUESTDBG_USE_HW_BP`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_guest_debug_arch {
    pub debugreg: [u64; 8],
}

/// `struct kvm_guest_debug`, the payload of `KVM_SET_GUEST_DEBUG`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_guest_debug {
    pub control: u32,
    pub pad: u32,
    pub arch: kvm_guest_debug_arch,
}

/// `struct kvm_x86_mce`: a machine-check event to inject with `KVM_X86_SET_MCE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_x86_mce {
    pub status: u64,
    pub addr: u64,
    pub misc: u64,
    pub mcg_status: u64,
    pub bank: u8,
    pub pad1: [u8; 7],
    pub pad2: [u64; 3],
}

/// `struct kvm_tpr_access_ctl`, the payload of `KVM_TPR_ACCESS_REPORTING`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_tpr_access_ctl {
    pub enabled: u32,
    pub flags: u32,
    pub reserved: [u32; 8],
}

/// `struct kvm_vapic_addr`: the guest physical address of the virtual APIC page.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vapic_addr {
    pub vapic_addr: u64,
}

/// `struct kvm_translation`, the payload of `KVM_TRANSLATE`: a guest linear address in,
/// the physical address and access bits out.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_translation {
    pub linear_address: u64,
    pub physical_address: u64,
    pub valid: u8,
    pub writeable: u8,
    pub usermode: u8,
    pub pad: [u8; 5],
}

/// `struct kvm_interrupt`, the payload of `KVM_INTERRUPT`: a vector to inject.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_interrupt {
    pub irq: u32,
}

zeroed_default!(kvm_lapic_state, kvm_xsave, kvm_xsave_area);
