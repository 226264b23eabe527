//! Payloads that end in a flexible array member (`kvm_msrs`, `kvm_cpuid2`, `kvm_irq_routing`
//! and the others of `linux/kvm.h` and `asm/kvm.h`), their element structs, and wrappers
//! that size, fill and grow them.
//!
//! Each header struct mirrors the C struct without its flexible member and implements
//! [`FlexHeader`], which names the element type and the count field. Calls take a
//! [`Flex<Header>`](Flex), which owns the header and room for `capacity` elements and
//! rejects a count above the capacity before the kernel sees it. The header test checks,
//! with gcc, that each C flexible member starts at the Rust header's size and that its
//! elements match the Rust element type.
//!
//! Several `_IOWR` ioctls fail with `E2BIG` when the array is too small. Some write the
//! needed count into the header first (`KVM_GET_MSR_INDEX_LIST`), others leave it alone
//! (`KVM_GET_SUPPORTED_CPUID`); [`Ioctl::call_growing`](ioctl_core::Ioctl::call_growing)
//! handles both, and the wrappers below use it.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types)]

use std::fmt;
use std::io;
use std::num::TryFromIntError;

use ioctl_core::{ret, AnyBitPattern, Flex, FlexHeader, Ioctl, NoArg, StructLayout};

use super::{
    kvm_irq_routing_xen_evtchn, Kvm, Vcpu, Vm, KVM_GET_CPUID2, KVM_GET_EMULATED_CPUID, KVM_GET_MSRS,
    KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSR_INDEX_LIST, KVM_GET_NESTED_STATE, KVM_GET_REG_LIST,
    KVM_GET_SUPPORTED_CPUID, KVM_GET_SUPPORTED_HV_CPUID, KVM_SET_CPUID2, KVM_SET_GSI_ROUTING, KVM_SET_MSRS,
    KVM_SET_PMU_EVENT_FILTER, KVM_SET_SIGNAL_MASK,
};
use crate::tables::c_constants;

c_constants! {
    /// Every constant of this module as `(C name, value)`, for header checks.
    pub KVM_FLEX_CONSTANTS:

    /// `kvm_cpuid_entry2.flags`: the leaf depends on `index` (ECX). The C name keeps the
    /// header's spelling.
    KVM_CPUID_FLAG_SIGNIFCANT_INDEX: u32 = 1 << 0;
    /// `kvm_cpuid_entry2.flags`: the leaf returns different values on successive reads.
    KVM_CPUID_FLAG_STATEFUL_FUNC: u32 = 1 << 1;
    /// `kvm_cpuid_entry2.flags`: this entry is read next for a stateful leaf.
    KVM_CPUID_FLAG_STATE_READ_NEXT: u32 = 1 << 2;

    /// `kvm_irq_routing_entry.type`: a pin of the in-kernel PIC or IOAPIC.
    KVM_IRQ_ROUTING_IRQCHIP: u32 = 1;
    /// `kvm_irq_routing_entry.type`: a message-signalled interrupt.
    KVM_IRQ_ROUTING_MSI: u32 = 2;
    /// `kvm_irq_routing_entry.type`: an s390 adapter interrupt. x86 KVM rejects it with
    /// EINVAL.
    KVM_IRQ_ROUTING_S390_ADAPTER: u32 = 3;
    /// `kvm_irq_routing_entry.type`: a Hyper-V synthetic interrupt.
    KVM_IRQ_ROUTING_HV_SINT: u32 = 4;
    /// `kvm_irq_routing_entry.type`: a Xen event channel.
    KVM_IRQ_ROUTING_XEN_EVTCHN: u32 = 5;

    /// `kvm_pmu_event_filter.action`: allow only the listed events.
    KVM_PMU_EVENT_ALLOW: u32 = 0;
    /// `kvm_pmu_event_filter.action`: allow every event except the listed ones.
    KVM_PMU_EVENT_DENY: u32 = 1;

    /// `kvm_nested_state.format`: Intel VMX.
    KVM_STATE_NESTED_FORMAT_VMX: u16 = 0;
    /// `kvm_nested_state.format`: AMD SVM.
    KVM_STATE_NESTED_FORMAT_SVM: u16 = 1;
    /// `kvm_nested_state.flags`: the vCPU runs a nested guest.
    KVM_STATE_NESTED_GUEST_MODE: u16 = 0x0001;
    /// `kvm_nested_state.flags`: a nested VM entry is pending.
    KVM_STATE_NESTED_RUN_PENDING: u16 = 0x0002;
    /// `kvm_nested_state.flags`: the nested guest uses an enlightened VMCS.
    KVM_STATE_NESTED_EVMCS: u16 = 0x0004;
    /// The size of the VMCS12 area of the VMX data region.
    KVM_STATE_NESTED_VMX_VMCS_SIZE: usize = 0x1000;
    /// The size of the VMCB12 area of the SVM data region.
    KVM_STATE_NESTED_SVM_VMCB_SIZE: usize = 0x1000;
}

/// The number of CPUID entries that x86 KVM handles at most (`KVM_MAX_CPUID_ENTRIES` in
/// the kernel's `arch/x86/include/asm/kvm_host.h`, 256 since Linux 5.6). The kernel
/// answers a larger `nent` as if it were this number, and rejects a longer list to set.
pub const KVM_MAX_CPUID_ENTRIES: usize = 256;

/// The largest element count that the growing wrappers allocate for a list whose length
/// the kernel reports (MSR indices, register ids): 64 Ki elements, far above the few
/// hundred MSRs that KVM lists, to bound the allocation if a count is corrupted.
const REPORTED_COUNT_MAX: usize = 1 << 16;

/// `struct kvm_msr_list` without its `__u32 indices[]`: the header of
/// `KVM_GET_MSR_INDEX_LIST` and `KVM_GET_MSR_FEATURE_INDEX_LIST`, followed by `nmsrs` MSR
/// indices.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_msr_list {
    /// The number of indices: the room on input, the number listed on output (or needed,
    /// with `E2BIG`).
    pub nmsrs: u32,
}

/// `struct kvm_msr_entry`: one MSR index and its value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_msr_entry {
    /// The MSR index, such as 0x174 for `IA32_SYSENTER_CS`.
    pub index: u32,
    /// Reserved, 0.
    pub reserved: u32,
    /// The MSR's value.
    pub data: u64,
}

/// `struct kvm_msrs` without its `struct kvm_msr_entry entries[]`: the header of
/// `KVM_GET_MSRS` and `KVM_SET_MSRS`, followed by `nmsrs` entries. C aligns it to 8 bytes
/// because of the entries' `__u64`.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_msrs {
    /// The number of entries that the kernel reads and writes.
    pub nmsrs: u32,
    /// Padding.
    pub pad: u32,
}

/// `struct kvm_cpuid_entry`: one CPUID leaf of the legacy `KVM_SET_CPUID`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_cpuid_entry {
    pub function: u32,
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
    pub padding: u32,
}

/// `struct kvm_cpuid` without its `struct kvm_cpuid_entry entries[]`: the header of the
/// legacy `KVM_SET_CPUID`, followed by `nent` entries.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_cpuid {
    /// The number of entries that the kernel reads.
    pub nent: u32,
    /// Padding.
    pub padding: u32,
}

/// `struct kvm_cpuid_entry2`: one CPUID leaf and sub-leaf.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_cpuid_entry2 {
    pub function: u32,
    pub index: u32,
    /// `KVM_CPUID_FLAG_*`.
    pub flags: u32,
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
    pub padding: [u32; 3],
}

/// `struct kvm_cpuid2` without its `struct kvm_cpuid_entry2 entries[]`: the header of
/// `KVM_GET_SUPPORTED_CPUID`, `KVM_GET_EMULATED_CPUID`, `KVM_GET_SUPPORTED_HV_CPUID`,
/// `KVM_SET_CPUID2` and `KVM_GET_CPUID2`, followed by `nent` entries.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_cpuid2 {
    /// The number of entries: the room on input, the number written on output. With
    /// `E2BIG` the kernel leaves it unchanged.
    pub nent: u32,
    /// Padding.
    pub padding: u32,
}

/// `struct kvm_signal_mask` without its `__u8 sigset[]`: the header of
/// `KVM_SET_SIGNAL_MASK`, followed by `len` bytes of the kernel's `sigset_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_signal_mask {
    /// The number of bytes of the signal set; x86_64 KVM accepts only 8, the size of the
    /// kernel's `sigset_t`, and fails with EINVAL otherwise.
    pub len: u32,
}

/// `struct kvm_reg_list` without its `__u64 reg[]`: the header of `KVM_GET_REG_LIST`,
/// followed by `n` register ids for `KVM_GET_ONE_REG`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_reg_list {
    /// The number of ids: the room on input, the number listed on output (or needed, with
    /// `E2BIG`).
    pub n: u64,
}

/// `struct kvm_irq_routing_irqchip`: the `irqchip` member of a routing entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_irq_routing_irqchip {
    /// `KVM_IRQCHIP_PIC_MASTER`, `KVM_IRQCHIP_PIC_SLAVE` or `KVM_IRQCHIP_IOAPIC`.
    pub irqchip: u32,
    /// The pin of that controller.
    pub pin: u32,
}

/// `struct kvm_irq_routing_msi`: the `msi` member of a routing entry. C's last member is a
/// union of `pad` and `devid`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_irq_routing_msi {
    pub address_lo: u32,
    pub address_hi: u32,
    pub data: u32,
    pub devid: u32,
}

/// `struct kvm_irq_routing_hv_sint`: the `hv_sint` member of a routing entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_irq_routing_hv_sint {
    pub vcpu: u32,
    pub sint: u32,
}

/// `struct kvm_irq_routing_entry`: one GSI route. `u` is C's union of the route kinds as
/// raw 32-bit words; the constructors and accessors below fill and read its members. C
/// aligns it to 8 bytes because of the s390 member's `__u64` fields.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_irq_routing_entry {
    /// The guest's interrupt number.
    pub gsi: u32,
    /// `KVM_IRQ_ROUTING_*`.
    pub type_: u32,
    /// `KVM_MSI_VALID_DEVID` for MSIs that carry a device id, else 0.
    pub flags: u32,
    /// Padding.
    pub pad: u32,
    /// The route, as the member that `type_` selects.
    pub u: [u32; 8],
}

/// Copies the words of a route member into the start of a routing entry's union.
fn route_words<const N: usize>(words: [u32; N]) -> [u32; 8] {
    let mut union = [0u32; 8];
    union[..N].copy_from_slice(&words);
    union
}

impl kvm_irq_routing_entry {
    /// Routes `gsi` to pin `pin` of the in-kernel interrupt controller `irqchip`.
    pub fn irqchip(gsi: u32, irqchip: u32, pin: u32) -> kvm_irq_routing_entry {
        kvm_irq_routing_entry { gsi, type_: KVM_IRQ_ROUTING_IRQCHIP, u: route_words([irqchip, pin]), ..Default::default() }
    }

    /// Routes `gsi` to a message-signalled interrupt with address `address` and data `data`.
    pub fn msi(gsi: u32, address: u64, data: u32) -> kvm_irq_routing_entry {
        let words = [address as u32, (address >> 32) as u32, data, 0];
        kvm_irq_routing_entry { gsi, type_: KVM_IRQ_ROUTING_MSI, u: route_words(words), ..Default::default() }
    }

    /// Routes `gsi` to Hyper-V synthetic interrupt `sint` of vCPU `vcpu`.
    pub fn hv_sint(gsi: u32, vcpu: u32, sint: u32) -> kvm_irq_routing_entry {
        kvm_irq_routing_entry { gsi, type_: KVM_IRQ_ROUTING_HV_SINT, u: route_words([vcpu, sint]), ..Default::default() }
    }

    /// Routes `gsi` to a Xen event channel.
    pub fn xen_evtchn(gsi: u32, channel: kvm_irq_routing_xen_evtchn) -> kvm_irq_routing_entry {
        let words = [channel.port, channel.vcpu, channel.priority];
        kvm_irq_routing_entry { gsi, type_: KVM_IRQ_ROUTING_XEN_EVTCHN, u: route_words(words), ..Default::default() }
    }

    /// Returns the union read as the `irqchip` member; meaningful when `type_` is
    /// [`KVM_IRQ_ROUTING_IRQCHIP`].
    pub fn irqchip_route(&self) -> kvm_irq_routing_irqchip {
        kvm_irq_routing_irqchip { irqchip: self.u[0], pin: self.u[1] }
    }

    /// Returns the union read as the `msi` member; meaningful when `type_` is
    /// [`KVM_IRQ_ROUTING_MSI`].
    pub fn msi_route(&self) -> kvm_irq_routing_msi {
        kvm_irq_routing_msi { address_lo: self.u[0], address_hi: self.u[1], data: self.u[2], devid: self.u[3] }
    }
}

/// `struct kvm_irq_routing` without its `struct kvm_irq_routing_entry entries[]`: the
/// header of `KVM_SET_GSI_ROUTING`, followed by `nr` entries. C aligns it to 8 bytes
/// because of the entries.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_irq_routing {
    /// The number of entries that the kernel reads (at most 4096, `KVM_MAX_IRQ_ROUTES`).
    pub nr: u32,
    /// Must be 0.
    pub flags: u32,
}

/// `struct kvm_pmu_event_filter` without its `__u64 events[]`: the header of
/// `KVM_SET_PMU_EVENT_FILTER`, followed by `nevents` event selectors. C aligns it to 8
/// bytes because of the events.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_pmu_event_filter {
    /// [`KVM_PMU_EVENT_ALLOW`] or [`KVM_PMU_EVENT_DENY`].
    pub action: u32,
    /// The number of events that the kernel reads.
    pub nevents: u32,
    /// The fixed counters that the action applies to, one bit each.
    pub fixed_counter_bitmap: u32,
    /// Event format flags; 0 for plain event selectors.
    pub flags: u32,
    /// Padding.
    pub pad: [u32; 4],
}

/// `struct kvm_vmx_nested_state_hdr`: the VMX member of the nested-state header.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_vmx_nested_state_hdr {
    /// The guest physical address of the VMXON region, or -1.
    pub vmxon_pa: u64,
    /// The guest physical address of the current VMCS12, or -1.
    pub vmcs12_pa: u64,
    /// The `flags` of C's `smm` struct (`KVM_STATE_NESTED_SMM_*`).
    pub smm: u16,
    /// Padding.
    pub pad: u16,
    /// `KVM_STATE_VMX_*`.
    pub flags: u32,
    /// The deadline of the VMX preemption timer.
    pub preemption_timer_deadline: u64,
}

/// `struct kvm_svm_nested_state_hdr`: the SVM member of the nested-state header.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_svm_nested_state_hdr {
    /// The guest physical address of the VMCB12.
    pub vmcb_pa: u64,
}

/// The `hdr` union of `struct kvm_nested_state`; `format` selects the member.
#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
pub union kvm_nested_state_hdr {
    /// For [`KVM_STATE_NESTED_FORMAT_VMX`].
    pub vmx: kvm_vmx_nested_state_hdr,
    /// For [`KVM_STATE_NESTED_FORMAT_SVM`].
    pub svm: kvm_svm_nested_state_hdr,
    /// The 120 bytes that pad the header to 128.
    pub pad: [u8; 120],
}

/// `struct kvm_nested_state` without its `data` union: the header of
/// `KVM_GET_NESTED_STATE` and `KVM_SET_NESTED_STATE`, followed by a data region of bytes.
///
/// Unlike the other headers, `size` counts bytes and includes the header's own 128, so
/// [`FlexHeader::len`] is `size - 128`, the length of the data region.
#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
pub struct kvm_nested_state {
    /// `KVM_STATE_NESTED_*` flags.
    pub flags: u16,
    /// [`KVM_STATE_NESTED_FORMAT_VMX`] or [`KVM_STATE_NESTED_FORMAT_SVM`].
    pub format: u16,
    /// The size in bytes of the header and the data region together.
    pub size: u32,
    /// The format's header.
    pub hdr: kvm_nested_state_hdr,
}

impl Default for kvm_nested_state {
    fn default() -> Self {
        ioctl_core::zeroed()
    }
}

impl kvm_nested_state {
    /// Returns the header read as the VMX member; meaningful for
    /// [`KVM_STATE_NESTED_FORMAT_VMX`].
    pub fn vmx(&self) -> kvm_vmx_nested_state_hdr {
        // SAFETY: every member of the union is valid for every bit pattern.
        unsafe { self.hdr.vmx }
    }

    /// Returns the header read as the SVM member; meaningful for
    /// [`KVM_STATE_NESTED_FORMAT_SVM`].
    pub fn svm(&self) -> kvm_svm_nested_state_hdr {
        // SAFETY: every member of the union is valid for every bit pattern.
        unsafe { self.hdr.svm }
    }
}

impl fmt::Debug for kvm_nested_state {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("kvm_nested_state")
            .field("flags", &self.flags)
            .field("format", &self.format)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Converts a count field to `usize`; a count that does not fit becomes `usize::MAX`,
/// which exceeds every capacity, so `Flex` rejects the call instead of truncating it.
fn count_to_usize<T: TryInto<usize>>(count: T) -> usize {
    count.try_into().unwrap_or(usize::MAX)
}

/// Implements [`FlexHeader`] for a header whose field `$count` counts `$element`s.
macro_rules! counted_header {
    ($($header:ident . $count:ident: $count_type:ty => $element:ty;)*) => {
        $(
            // SAFETY: the header test checks, with gcc against the installed headers, that
            // the C struct's flexible array member starts at `size_of::<Self>()` and that
            // its elements have the size and alignment of the element type. The count field
            // is the one that the kernel reads as the number of elements (see the struct's
            // documentation), and `count_to_usize` never truncates it.
            unsafe impl FlexHeader for $header {
                type Element = $element;

                fn len(&self) -> usize {
                    count_to_usize(self.$count)
                }

                fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
                    self.$count = <$count_type>::try_from(len)?;
                    Ok(())
                }
            }
        )*
    };
}

counted_header! {
    kvm_msr_list.nmsrs: u32 => u32;
    kvm_msrs.nmsrs: u32 => kvm_msr_entry;
    kvm_cpuid.nent: u32 => kvm_cpuid_entry;
    kvm_cpuid2.nent: u32 => kvm_cpuid_entry2;
    kvm_signal_mask.len: u32 => u8;
    kvm_reg_list.n: u64 => u64;
    kvm_irq_routing.nr: u32 => kvm_irq_routing_entry;
    kvm_pmu_event_filter.nevents: u32 => u64;
}

// SAFETY: the header test checks that C's `data` member starts at `size_of::<Self>()`
// (128) and that its elements are bytes. The kernel reads and writes at most `size - 128`
// bytes of data on `KVM_SET_NESTED_STATE`, and on `KVM_GET_NESTED_STATE` only when `size`
// covers what it writes; `len` and `try_set_len` convert between that byte count and
// `size`. The private `KVM_GET_NESTED_STATE` wrapper allocates more than any format
// writes, for the reason given there.
unsafe impl FlexHeader for kvm_nested_state {
    type Element = u8;

    fn len(&self) -> usize {
        count_to_usize(self.size).saturating_sub(size_of::<Self>())
    }

    fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
        // A sum that overflows saturates, and the conversion then fails.
        self.size = u32::try_from(len.saturating_add(size_of::<Self>()))?;
        Ok(())
    }
}

/// The largest data region that a `KVM_GET_NESTED_STATE` of Linux 6.1 writes: the VMX
/// format's `kvm_vmx_nested_state_data`, a VMCS12 and a shadow VMCS12 of 4 KiB each. The
/// SVM format writes one 4 KiB VMCB12.
const NESTED_STATE_DATA_MAX: usize = 2 * KVM_STATE_NESTED_VMX_VMCS_SIZE;

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Builds a `kvm_msrs` payload that names `indices`, with zero values.
fn msrs_for(indices: &[u32]) -> io::Result<Flex<kvm_msrs>> {
    let entries: Vec<kvm_msr_entry> = indices.iter().map(|&index| kvm_msr_entry { index, ..Default::default() }).collect();
    Flex::from_elements(kvm_msrs::default(), &entries)
}

/// Returns the first `count` entries, the ones that `KVM_GET_MSRS` read.
fn entries_read(msrs: &Flex<kvm_msrs>, count: i32) -> io::Result<Vec<kvm_msr_entry>> {
    let count = usize::try_from(count).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    let entries = msrs.elements();
    entries.get(..count).map(<[kvm_msr_entry]>::to_vec).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("KVM_GET_MSRS reported {count} MSRs read, but only {} were requested", entries.len()),
        )
    })
}

impl Kvm {
    /// Returns the indices of the MSRs that KVM saves and restores for a vCPU
    /// (`KVM_GET_MSR_INDEX_LIST`).
    ///
    /// The first call passes no room; the kernel fails with `E2BIG` and writes the number
    /// it needs into the header, and the second call passes that much room.
    pub fn msr_index_list(&self) -> io::Result<Vec<u32>> {
        let ((), list) = KVM_GET_MSR_INDEX_LIST.call_growing(self, 0, REPORTED_COUNT_MAX)?;
        Ok(list.elements().to_vec())
    }

    /// Returns the indices of the feature MSRs that [`Kvm::feature_msrs`] reads
    /// (`KVM_GET_MSR_FEATURE_INDEX_LIST`, `KVM_CAP_GET_MSR_FEATURES`).
    pub fn msr_feature_index_list(&self) -> io::Result<Vec<u32>> {
        let ((), list) = KVM_GET_MSR_FEATURE_INDEX_LIST.call_growing(self, 0, REPORTED_COUNT_MAX)?;
        Ok(list.elements().to_vec())
    }

    /// Reads the values of feature MSRs, such as `IA32_ARCH_CAPABILITIES` (0x10a), that KVM
    /// supports for guests (`KVM_GET_MSRS` on the system fd). Returns the entries read; the
    /// kernel stops at the first MSR that it cannot read.
    pub fn feature_msrs(&self, indices: &[u32]) -> io::Result<Vec<kvm_msr_entry>> {
        let mut msrs = msrs_for(indices)?;
        let count = KVM_GET_MSRS.call(self, &mut msrs)?;
        entries_read(&msrs, count)
    }

    /// Returns the CPUID leaves that KVM and the host support (`KVM_GET_SUPPORTED_CPUID`).
    ///
    /// The kernel fails with `E2BIG`, and leaves `nent` unchanged, while the list does not
    /// fit; the call then doubles the room, up to [`KVM_MAX_CPUID_ENTRIES`].
    pub fn supported_cpuid(&self) -> io::Result<Flex<kvm_cpuid2>> {
        let ((), cpuid) = KVM_GET_SUPPORTED_CPUID.call_growing(self, 64, KVM_MAX_CPUID_ENTRIES)?;
        Ok(cpuid)
    }

    /// Returns the CPUID leaves that KVM emulates (`KVM_GET_EMULATED_CPUID`), growing the
    /// room as [`Kvm::supported_cpuid`] does.
    pub fn emulated_cpuid(&self) -> io::Result<Flex<kvm_cpuid2>> {
        let ((), cpuid) = KVM_GET_EMULATED_CPUID.call_growing(self, 64, KVM_MAX_CPUID_ENTRIES)?;
        Ok(cpuid)
    }

    /// Returns the Hyper-V CPUID leaves that KVM supports (`KVM_GET_SUPPORTED_HV_CPUID` on
    /// the system fd, `KVM_CAP_SYS_HYPERV_CPUID`), growing the room as
    /// [`Kvm::supported_cpuid`] does.
    pub fn supported_hv_cpuid(&self) -> io::Result<Flex<kvm_cpuid2>> {
        let ((), cpuid) = KVM_GET_SUPPORTED_HV_CPUID.call_growing(self, 16, KVM_MAX_CPUID_ENTRIES)?;
        Ok(cpuid)
    }
}

/// `KVM_SET_SIGNAL_MASK` with a NULL argument, which [`NoArg`] passes.
// SAFETY: the number is that of `KVM_SET_SIGNAL_MASK`, which the header test checks. Given
// a NULL argument, `kvm_vcpu_ioctl` (virt/kvm/kvm_main.c) reads no payload and clears the
// vCPU's signal mask. It returns 0 or an error, never a descriptor.
const KVM_SET_SIGNAL_MASK_NULL: Ioctl<Vcpu, NoArg, ret::Zero> = unsafe { Ioctl::new(KVM_SET_SIGNAL_MASK.request()) };

impl Vcpu {
    /// Reads the MSRs `indices` (`KVM_GET_MSRS`). Returns the entries read, in order; the
    /// kernel stops at the first MSR that it cannot read, so fewer entries than indices
    /// mean that the next index failed.
    pub fn get_msrs(&self, indices: &[u32]) -> io::Result<Vec<kvm_msr_entry>> {
        let mut msrs = msrs_for(indices)?;
        let count = KVM_GET_MSRS.call(self, &mut msrs)?;
        entries_read(&msrs, count)
    }

    /// Writes the MSRs `entries` (`KVM_SET_MSRS`) and returns how many were written; the
    /// kernel stops at the first MSR that it cannot write.
    pub fn set_msrs(&self, entries: &[kvm_msr_entry]) -> io::Result<usize> {
        let msrs = Flex::from_elements(kvm_msrs::default(), entries)?;
        let count = KVM_SET_MSRS.call(self, &msrs)?;
        usize::try_from(count).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
    }

    /// Sets the CPUID leaves that the guest sees (`KVM_SET_CPUID2`), at most
    /// [`KVM_MAX_CPUID_ENTRIES`]. Linux 5.16 and later refuse a different list after the
    /// vCPU first ran.
    pub fn set_cpuid2(&self, entries: &[kvm_cpuid_entry2]) -> io::Result<()> {
        let cpuid = Flex::from_elements(kvm_cpuid2::default(), entries)?;
        KVM_SET_CPUID2.call(self, &cpuid)
    }

    /// Returns the CPUID leaves that the guest sees (`KVM_GET_CPUID2`), growing the room
    /// while the kernel fails with `E2BIG`.
    pub fn cpuid2(&self) -> io::Result<Flex<kvm_cpuid2>> {
        let ((), cpuid) = KVM_GET_CPUID2.call_growing(self, 64, KVM_MAX_CPUID_ENTRIES)?;
        Ok(cpuid)
    }

    /// Returns the Hyper-V CPUID leaves that KVM supports for this vCPU
    /// (`KVM_GET_SUPPORTED_HV_CPUID`, `KVM_CAP_HYPERV_CPUID`).
    pub fn supported_hv_cpuid(&self) -> io::Result<Flex<kvm_cpuid2>> {
        let ((), cpuid) = KVM_GET_SUPPORTED_HV_CPUID.call_growing(self, 16, KVM_MAX_CPUID_ENTRIES)?;
        Ok(cpuid)
    }

    /// Sets the signals blocked while the vCPU runs (`KVM_SET_SIGNAL_MASK`): bit `n - 1`
    /// of `mask` blocks signal `n`, as in the kernel's 64-bit `sigset_t`. `KVM_RUN` swaps
    /// this mask in for the thread's own while it runs the guest.
    pub fn set_signal_mask(&self, mask: u64) -> io::Result<()> {
        let signals = Flex::from_elements(kvm_signal_mask::default(), &mask.to_ne_bytes())?;
        KVM_SET_SIGNAL_MASK.call(self, &signals)
    }

    /// Removes the mask that [`set_signal_mask`](Self::set_signal_mask) set
    /// (`KVM_SET_SIGNAL_MASK` with a NULL argument), so that `KVM_RUN` keeps the thread's
    /// own signal mask again.
    pub fn clear_signal_mask(&self) -> io::Result<()> {
        KVM_SET_SIGNAL_MASK_NULL.call(self)
    }

    /// Returns the ids of the registers that `KVM_GET_ONE_REG` reads on this vCPU
    /// (`KVM_GET_REG_LIST`, x86_64 since Linux 6.18; older kernels fail with EINVAL).
    pub fn reg_list(&self) -> io::Result<Vec<u64>> {
        let ((), list) = KVM_GET_REG_LIST.call_growing(self, 0, REPORTED_COUNT_MAX)?;
        Ok(list.elements().to_vec())
    }

    /// Reads the state of the nested hypervisor that the guest runs
    /// (`KVM_GET_NESTED_STATE`, `KVM_CAP_NESTED_STATE`): the header and its data region.
    ///
    /// The data region has room for the largest format, whatever `size` the state needs.
    /// The kernel checks `size` against the length it computes before it writes, but
    /// the VMX code decides whether to copy the shadow VMCS12 by another condition than
    /// the one that counted it, so a buffer of exactly the reported size is not relied
    /// on. A state larger than the largest known format is fetched again with the size
    /// that the kernel reports.
    pub fn nested_state(&self) -> io::Result<Flex<kvm_nested_state>> {
        let ((), state) = KVM_GET_NESTED_STATE.call_growing(self, NESTED_STATE_DATA_MAX, 1 << 20)?;
        Ok(state)
    }
}

impl Vm {
    /// Replaces the VM's GSI routing table with `entries` (`KVM_SET_GSI_ROUTING`); needs an
    /// in-kernel irqchip. An empty list removes every route.
    pub fn set_gsi_routing(&self, entries: &[kvm_irq_routing_entry]) -> io::Result<()> {
        let routing = Flex::from_elements(kvm_irq_routing::default(), entries)?;
        KVM_SET_GSI_ROUTING.call(self, &routing)
    }

    /// Sets which PMU events the guest may count (`KVM_SET_PMU_EVENT_FILTER`): `action` is
    /// [`KVM_PMU_EVENT_ALLOW`] or [`KVM_PMU_EVENT_DENY`], and `events` are event-select
    /// values (event and unit mask).
    pub fn set_pmu_event_filter(&self, action: u32, events: &[u64]) -> io::Result<()> {
        if action != KVM_PMU_EVENT_ALLOW && action != KVM_PMU_EVENT_DENY {
            return Err(invalid_input(format!(
                "KVM_SET_PMU_EVENT_FILTER: action {action} is neither KVM_PMU_EVENT_ALLOW (0) nor KVM_PMU_EVENT_DENY (1)"
            )));
        }
        let header = kvm_pmu_event_filter { action, ..Default::default() };
        let filter = Flex::from_elements(header, events)?;
        KVM_SET_PMU_EVENT_FILTER.call(self, &filter)
    }
}
