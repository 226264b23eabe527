//! Xen and Hyper-V emulation ioctls of VM and vCPU fds, with their payload structs.
//!
//! Newer kernels accept attribute types that carry host virtual addresses which the
//! kernel keeps and writes later (`KVM_XEN_ATTR_TYPE_SHARED_INFO_HVA`,
//! `KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO_HVA`), and `kvm_xen_hvm_config` carries the addresses
//! of hypercall-page blobs that the kernel reads later. The setters are therefore private
//! and reached through wrappers that accept only the attribute types of Linux 6.1, which
//! carry guest addresses and plain values.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types, missing_docs)]

use std::io;

use ioctl_core::{ioctl, AnyBitPattern, StructLayout};

use super::{Vcpu, Vm};
use crate::tables::c_constants;

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` of Linux 6.1 (direction,
    // number, payload type and return value); the header test compares each number and
    // payload layout. The getters only write the payload struct; the setters are private
    // (see the module documentation).
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_XEN_IOCTLS;

        /// Configures Xen HVM emulation; the payload holds blob addresses that the kernel
        /// reads later, so this is reached through [`Vm::xen_hvm_config`].
        pub(crate) write KVM_XEN_HVM_CONFIG = 0x7A => kvm_xen_hvm_config on Vm -> zero;
        /// Binds an eventfd to a Hyper-V connection id.
        pub write KVM_HYPERV_EVENTFD = 0xBD => kvm_hyperv_eventfd on Vm -> zero;
        /// Reads a per-VM Xen attribute selected by `type_`.
        pub readwrite KVM_XEN_HVM_GET_ATTR = 0xC8 => kvm_xen_hvm_attr on Vm -> zero;
        /// Sets a per-VM Xen attribute; reached through [`Vm::xen_hvm_set_attr`].
        pub(crate) write KVM_XEN_HVM_SET_ATTR = 0xC9 => kvm_xen_hvm_attr on Vm -> zero;
        /// Reads a per-vCPU Xen attribute selected by `type_`.
        pub readwrite KVM_XEN_VCPU_GET_ATTR = 0xCA => kvm_xen_vcpu_attr on Vcpu -> zero;
        /// Sets a per-vCPU Xen attribute; reached through [`Vcpu::xen_set_attr`].
        pub(crate) write KVM_XEN_VCPU_SET_ATTR = 0xCB => kvm_xen_vcpu_attr on Vcpu -> zero;
        /// Delivers a Xen event-channel event to the guest.
        pub write KVM_XEN_HVM_EVTCHN_SEND = 0xD0 => kvm_irq_routing_xen_evtchn on Vm -> zero;
    }
}

c_constants! {
    /// Every constant of this module as `(C name, value)`, for header checks.
    pub KVM_XEN_CONSTANTS:

    KVM_XEN_HVM_CONFIG_HYPERCALL_MSR: u32 = 1 << 0;
    KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL: u32 = 1 << 1;
    KVM_XEN_HVM_CONFIG_SHARED_INFO: u32 = 1 << 2;
    KVM_XEN_HVM_CONFIG_RUNSTATE: u32 = 1 << 3;
    KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL: u32 = 1 << 4;
    KVM_XEN_HVM_CONFIG_EVTCHN_SEND: u32 = 1 << 5;

    KVM_XEN_ATTR_TYPE_LONG_MODE: u16 = 0x0;
    KVM_XEN_ATTR_TYPE_SHARED_INFO: u16 = 0x1;
    KVM_XEN_ATTR_TYPE_UPCALL_VECTOR: u16 = 0x2;
    KVM_XEN_ATTR_TYPE_EVTCHN: u16 = 0x3;
    KVM_XEN_ATTR_TYPE_XEN_VERSION: u16 = 0x4;

    KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO: u16 = 0x0;
    KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO: u16 = 0x1;
    KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR: u16 = 0x2;
    KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_CURRENT: u16 = 0x3;
    KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_DATA: u16 = 0x4;
    KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADJUST: u16 = 0x5;
    KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID: u16 = 0x6;
    KVM_XEN_VCPU_ATTR_TYPE_TIMER: u16 = 0x7;
    KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR: u16 = 0x8;

    KVM_HYPERV_CONN_ID_MASK: u32 = 0x00ff_ffff;
    KVM_HYPERV_EVENTFD_DEASSIGN: u32 = 1 << 0;
}

/// `struct kvm_xen_hvm_config`, the payload of `KVM_XEN_HVM_CONFIG`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, StructLayout)]
pub struct kvm_xen_hvm_config {
    pub flags: u32,
    pub msr: u32,
    pub blob_addr_32: u64,
    pub blob_addr_64: u64,
    pub blob_size_32: u8,
    pub blob_size_64: u8,
    pub pad2: [u8; 30],
}

/// `struct kvm_xen_hvm_attr`: a per-VM Xen attribute. `u` is C's union of the attribute
/// values, as raw 64-bit words.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_xen_hvm_attr {
    pub type_: u16,
    pub pad: [u16; 3],
    pub u: [u64; 8],
}

/// `struct kvm_xen_vcpu_attr`: a per-vCPU Xen attribute. `u` is C's union of the
/// attribute values, as raw 64-bit words.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_xen_vcpu_attr {
    pub type_: u16,
    pub pad: [u16; 3],
    pub u: [u64; 8],
}

/// `struct kvm_irq_routing_xen_evtchn`, the payload of `KVM_XEN_HVM_EVTCHN_SEND`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_irq_routing_xen_evtchn {
    pub port: u32,
    pub vcpu: u32,
    pub priority: u32,
}

/// `struct kvm_hyperv_eventfd`, the payload of `KVM_HYPERV_EVENTFD`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_hyperv_eventfd {
    pub conn_id: u32,
    pub fd: i32,
    pub flags: u32,
    pub padding: [u32; 3],
}

fn unsupported_type(ioctl_name: &str, type_: u16) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{ioctl_name}: attribute type {type_:#x} is not a Linux 6.1 type; newer types may carry host addresses"),
    )
}

impl Vm {
    /// Configures Xen HVM emulation without hypercall-page blobs (`KVM_XEN_HVM_CONFIG`):
    /// `flags` are `KVM_XEN_HVM_CONFIG_*`, and `msr` is the MSR through which the guest
    /// asks for the hypercall page.
    pub fn xen_hvm_config(&self, flags: u32, msr: u32) -> io::Result<()> {
        let config = kvm_xen_hvm_config { flags, msr, ..kvm_xen_hvm_config::default() };
        // Both blob addresses are 0 and both sizes 0, so the kernel never reads a blob.
        KVM_XEN_HVM_CONFIG.call(self, &config)
    }

    /// Sets a per-VM Xen attribute (`KVM_XEN_HVM_SET_ATTR`) whose type is one of
    /// `KVM_XEN_ATTR_TYPE_*` of Linux 6.1; other types fail with
    /// [`io::ErrorKind::InvalidInput`] before the call.
    pub fn xen_hvm_set_attr(&self, attr: &kvm_xen_hvm_attr) -> io::Result<()> {
        if attr.type_ > KVM_XEN_ATTR_TYPE_XEN_VERSION {
            return Err(unsupported_type("KVM_XEN_HVM_SET_ATTR", attr.type_));
        }
        KVM_XEN_HVM_SET_ATTR.call(self, attr)
    }
}

impl Vcpu {
    /// Sets a per-vCPU Xen attribute (`KVM_XEN_VCPU_SET_ATTR`) whose type is one of
    /// `KVM_XEN_VCPU_ATTR_TYPE_*` of Linux 6.1; other types fail with
    /// [`io::ErrorKind::InvalidInput`] before the call.
    pub fn xen_set_attr(&self, attr: &kvm_xen_vcpu_attr) -> io::Result<()> {
        if attr.type_ > KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR {
            return Err(unsupported_type("KVM_XEN_VCPU_SET_ATTR", attr.type_));
        }
        KVM_XEN_VCPU_SET_ATTR.call(self, attr)
    }
}
