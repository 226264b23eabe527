//! The ioctls that the benchmarks call, declared with ioctl-core's `ioctl!`, and the KVM
//! payload structs (x86_64 layouts from the Linux 6.1 UAPI headers).
//!
//! Every request number below was printed by gcc from `<linux/kvm.h>` and
//! `<sys/ioctl.h>`, and the `const` assertions at the end keep the declarations equal to
//! those values. The struct sizes were printed the same way: `kvm_regs` 144 bytes,
//! `kvm_segment` 24, `kvm_dtable` 16, `kvm_sregs` 312, `kvm_userspace_memory_region` 32.

use std::ffi::c_ulong;

use ioctl_core::{ioctl, AnyBitPattern};

/// `struct kvm_regs`: the general-purpose registers, `rip` and `rflags`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct KvmRegs {
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

impl KvmRegs {
    /// Returns the wrapping sum of all 18 registers, a value that depends on every field.
    pub fn checksum(&self) -> u64 {
        let words = [
            self.rax, self.rbx, self.rcx, self.rdx, self.rsi, self.rdi, self.rsp, self.rbp,
            self.r8, self.r9, self.r10, self.r11, self.r12, self.r13, self.r14, self.r15,
            self.rip, self.rflags,
        ];
        words.iter().fold(0, |sum, word| sum.wrapping_add(*word))
    }
}

/// `struct kvm_segment`: one segment register, with its hidden descriptor part.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern)]
pub struct KvmSegment {
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

/// `struct kvm_dtable`: the GDT or IDT register.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern)]
pub struct KvmDtable {
    pub base: u64,
    pub limit: u16,
    pub padding: [u16; 3],
}

/// `struct kvm_sregs`: segment, descriptor-table and control registers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern)]
pub struct KvmSregs {
    pub cs: KvmSegment,
    pub ds: KvmSegment,
    pub es: KvmSegment,
    pub fs: KvmSegment,
    pub gs: KvmSegment,
    pub ss: KvmSegment,
    pub tr: KvmSegment,
    pub ldt: KvmSegment,
    pub gdt: KvmDtable,
    pub idt: KvmDtable,
    pub cr0: u64,
    pub cr2: u64,
    pub cr3: u64,
    pub cr4: u64,
    pub cr8: u64,
    pub efer: u64,
    pub apic_base: u64,
    pub interrupt_bitmap: [u64; 4],
}

/// `struct kvm_userspace_memory_region`: a slot of guest memory backed by host memory.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct KvmUserspaceMemoryRegion {
    pub slot: u32,
    pub flags: u32,
    pub guest_phys_addr: u64,
    pub memory_size: u64,
    pub userspace_addr: u64,
}

/// `KVM_CAP_NR_VCPUS`: `KVM_CHECK_EXTENSION` returns the recommended vCPU count.
pub const KVM_CAP_NR_VCPUS: c_ulong = 9;

/// `KVM_EXIT_IO`: the `exit_reason` of a guest port access.
pub const KVM_EXIT_IO: u32 = 2;

ioctl! {
    // SAFETY: each line matches its definition in linux/kvm.h, and the request numbers are
    // asserted below against the values gcc printed. None of these payloads contains an
    // address. `KVM_SET_USER_MEMORY_REGION`, whose payload does, is declared privately in
    // `guest`.
    unsafe {
        group 0xAE;

        /// A `/dev/kvm` system handle.
        pub fd Kvm = "/dev/kvm";
        /// A virtual machine.
        pub fd Vm;
        /// A virtual CPU.
        pub fd Vcpu;

        pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
        pub none KVM_GET_VCPU_MMAP_SIZE = 0x04 on Kvm -> count;
        pub none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
        pub read KVM_GET_REGS = 0x81 => KvmRegs on Vcpu;
        pub write KVM_SET_REGS = 0x82 => KvmRegs on Vcpu -> zero;
        pub read KVM_GET_SREGS = 0x83 => KvmSregs on Vcpu;
        pub write KVM_SET_SREGS = 0x84 => KvmSregs on Vcpu -> zero;
    }
}

ioctl! {
    // SAFETY: FIONREAD (asm-generic/ioctls.h) writes one `int`, the number of bytes
    // waiting, on pipes, sockets and terminals, and other files reject it.
    unsafe {
        pub read FIONREAD = raw 0x541B => i32;
    }
}

/// The request numbers that gcc printed for the same macros.
pub mod expected {
    pub const FIONREAD: u32 = 0x541B;
    pub const KVM_GET_API_VERSION: u32 = 0xAE00;
    pub const KVM_CREATE_VM: u32 = 0xAE01;
    pub const KVM_CHECK_EXTENSION: u32 = 0xAE03;
    pub const KVM_GET_VCPU_MMAP_SIZE: u32 = 0xAE04;
    pub const KVM_CREATE_VCPU: u32 = 0xAE41;
    pub const KVM_SET_USER_MEMORY_REGION: u32 = 0x4020_AE46;
    pub const KVM_RUN: u32 = 0xAE80;
    pub const KVM_GET_REGS: u32 = 0x8090_AE81;
    pub const KVM_SET_REGS: u32 = 0x4090_AE82;
    pub const KVM_GET_SREGS: u32 = 0x8138_AE83;
    pub const KVM_SET_SREGS: u32 = 0x4138_AE84;
}

const _: () = {
    assert!(FIONREAD.request() == expected::FIONREAD);
    assert!(KVM_GET_API_VERSION.request() == expected::KVM_GET_API_VERSION);
    assert!(KVM_CREATE_VM.request() == expected::KVM_CREATE_VM);
    assert!(KVM_CHECK_EXTENSION.request() == expected::KVM_CHECK_EXTENSION);
    assert!(KVM_GET_VCPU_MMAP_SIZE.request() == expected::KVM_GET_VCPU_MMAP_SIZE);
    assert!(KVM_CREATE_VCPU.request() == expected::KVM_CREATE_VCPU);
    assert!(KVM_GET_REGS.request() == expected::KVM_GET_REGS);
    assert!(KVM_SET_REGS.request() == expected::KVM_SET_REGS);
    assert!(KVM_GET_SREGS.request() == expected::KVM_GET_SREGS);
    assert!(KVM_SET_SREGS.request() == expected::KVM_SET_SREGS);
    assert!(size_of::<KvmRegs>() == 144);
    assert!(size_of::<KvmSegment>() == 24);
    assert!(size_of::<KvmDtable>() == 16);
    assert!(size_of::<KvmSregs>() == 312);
    assert!(size_of::<KvmUserspaceMemoryRegion>() == 32);
};
