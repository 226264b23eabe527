//! Ioctls of VM fds: vCPUs, memory slots, clocks, capabilities and statistics.

use std::ffi::c_ulong;
use std::io;
use std::os::fd::OwnedFd;

use ioctl_core::ioctl;

use super::{
    kvm_pmu_event_filter, kvm_clear_dirty_log, kvm_clock_data, kvm_coalesced_mmio_zone, kvm_create_device, kvm_dirty_log, kvm_enable_cap,
    kvm_msr_filter, kvm_msr_filter_range, kvm_userspace_memory_region, Vcpu, VmOrVcpu, KVM_CHECK_EXTENSION,
    KVM_MSR_FILTER_MAX_RANGES,
};
use super::caps::*;

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` of Linux 6.1 (direction,
    // number, payload type and return value); the header test compares each number and
    // payload layout. Payloads that hold addresses are declared `pub(crate)` and reached
    // only through the wrappers below, which fill the addresses from borrows.
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_VM_IOCTLS;

        /// A virtual machine, created by [`KVM_CREATE_VM`](super::KVM_CREATE_VM).
        pub fd Vm;

        /// Creates a vCPU with the given id.
        pub none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
        /// Copies a slot's dirty-page bitmap to the address in the payload; the kernel
        /// writes one bit per page of the slot there, so this is reached through
        /// [`MemoryRegion::dirty_log`](super::MemoryRegion::dirty_log), which knows the size.
        pub(crate) write KVM_GET_DIRTY_LOG = 0x42 => kvm_dirty_log on Vm -> zero;
        /// Sets the number of shadow MMU pages (obsolete with two-dimensional paging).
        pub none KVM_SET_NR_MMU_PAGES = 0x44 (c_ulong) on Vm -> zero;
        /// Returns the number of shadow MMU pages; the header marks it deprecated.
        pub none KVM_GET_NR_MMU_PAGES = 0x45 on Vm -> count;
        /// Maps guest physical memory to a host address that the kernel keeps.
        pub(crate) write KVM_SET_USER_MEMORY_REGION = 0x46 => kvm_userspace_memory_region on Vm -> zero;
        /// Sets the guest physical address of the three-page TSS region (Intel VMX).
        pub none KVM_SET_TSS_ADDR = 0x47 (c_ulong) on Vm -> zero;
        /// Sets the guest physical address of the one-page identity map (Intel VMX).
        pub write KVM_SET_IDENTITY_MAP_ADDR = 0x48 => u64 on Vm -> zero;
        /// Buffers guest writes to an MMIO or port range in the coalesced MMIO ring.
        pub write KVM_REGISTER_COALESCED_MMIO = 0x67 => kvm_coalesced_mmio_zone on Vm -> zero;
        /// Removes a range registered with [`KVM_REGISTER_COALESCED_MMIO`].
        pub write KVM_UNREGISTER_COALESCED_MMIO = 0x68 => kvm_coalesced_mmio_zone on Vm -> zero;
        /// Sets the id of the bootstrap vCPU; call it before creating vCPUs.
        pub none KVM_SET_BOOT_CPU_ID = 0x78 (c_ulong) on Vm -> zero;
        /// Sets the kvmclock value of the VM.
        pub write KVM_SET_CLOCK = 0x7B => kvm_clock_data on Vm -> zero;
        /// Reads the kvmclock value of the VM.
        pub read KVM_GET_CLOCK = 0x7C => kvm_clock_data on Vm;
        /// Sets the guest TSC frequency in kHz, for a vCPU or as the VM's default
        /// (`KVM_CAP_VM_TSC_CONTROL`).
        pub none KVM_SET_TSC_KHZ = 0xA2 (c_ulong) on VmOrVcpu -> zero;
        /// Returns the guest TSC frequency in kHz.
        pub none KVM_GET_TSC_KHZ = 0xA3 on VmOrVcpu -> count;
        /// Enables a capability. Some capabilities take addresses in `args`, so this is
        /// reached through [`Vm::enable_cap`] and [`Vcpu::enable_cap`].
        pub(crate) write KVM_ENABLE_CAP = 0xA3 => kvm_enable_cap on VmOrVcpu -> count;
        /// Sets which PMU events the guest may count.
        pub write KVM_SET_PMU_EVENT_FILTER = 0xB2 => kvm_pmu_event_filter[] on Vm -> zero;
        /// Re-protects pages of a slot whose bits are set in the bitmap at the payload's
        /// address; the kernel reads that bitmap.
        pub(crate) readwrite KVM_CLEAR_DIRTY_LOG = 0xC0 => kvm_clear_dirty_log on Vm -> zero;
        /// Sets which MSR accesses exit to user space; the ranges hold bitmap addresses.
        pub(crate) write KVM_X86_SET_MSR_FILTER = 0xC6 => kvm_msr_filter on Vm -> zero;
        /// Resets the dirty-ring entries that user space harvested; returns their number.
        pub none KVM_RESET_DIRTY_RINGS = 0xC7 on Vm -> count;
        /// Returns a new fd whose contents are the binary statistics of the VM or vCPU
        /// (`struct kvm_stats_header` and what follows).
        pub none KVM_GET_STATS_FD = 0xCE on VmOrVcpu -> fd;
        /// Creates an in-kernel device; the kernel writes its fd into the payload.
        pub readwrite KVM_CREATE_DEVICE = 0xE0 => kvm_create_device on Vm -> zero;
    }
}

/// The VM capabilities whose `KVM_ENABLE_CAP` arguments Linux 6.1 treats as numbers or
/// fds, never as addresses.
// NOTE: the list follows the KVM capability descriptions, not a line-by-line check of the kernel source; a capability missing from it is rejected, never passed through.
const VM_CAPS_WITHOUT_ADDRESSES: &[u32] = &[
    KVM_CAP_DISABLE_QUIRKS,
    KVM_CAP_DISABLE_QUIRKS2,
    KVM_CAP_SPLIT_IRQCHIP,
    KVM_CAP_X2APIC_API,
    KVM_CAP_X86_DISABLE_EXITS,
    KVM_CAP_MSR_PLATFORM_INFO,
    KVM_CAP_EXCEPTION_PAYLOAD,
    KVM_CAP_X86_USER_SPACE_MSR,
    KVM_CAP_X86_BUS_LOCK_EXIT,
    KVM_CAP_SGX_ATTRIBUTE,
    KVM_CAP_VM_COPY_ENC_CONTEXT_FROM,
    KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM,
    KVM_CAP_EXIT_HYPERCALL,
    KVM_CAP_EXIT_ON_EMULATION_FAILURE,
    KVM_CAP_MAX_VCPU_ID,
    KVM_CAP_X86_TRIPLE_FAULT_EVENT,
    KVM_CAP_X86_NOTIFY_VMEXIT,
    KVM_CAP_VM_DISABLE_NX_HUGE_PAGES,
    KVM_CAP_PMU_CAPABILITY,
    KVM_CAP_HALT_POLL,
    KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
    KVM_CAP_DIRTY_LOG_RING,
    KVM_CAP_DIRTY_LOG_RING_ACQ_REL,
];

/// One MSR range of [`Vm::set_msr_filter`]: `nmsrs` MSRs from `base`, one bit each in
/// `bitmap` (1 allows the accesses in `flags`).
#[derive(Clone, Copy, Debug)]
pub struct MsrFilterRange<'a> {
    /// `KVM_MSR_FILTER_READ`, `KVM_MSR_FILTER_WRITE` or both.
    pub flags: u32,
    /// The first MSR index of the range.
    pub base: u32,
    /// The number of MSRs in the range.
    pub nmsrs: u32,
    /// One bit per MSR. The kernel copies `nmsrs` bits rounded up to whole 64-bit words,
    /// so the slice must hold at least that many bytes.
    pub bitmap: &'a [u8],
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl Vm {
    /// Creates vCPU `id` (`KVM_CREATE_VCPU`).
    pub fn create_vcpu(&self, id: u32) -> io::Result<Vcpu> {
        KVM_CREATE_VCPU.call(self, id as c_ulong)
    }

    /// Returns KVM's answer for capability `cap` on this VM (`KVM_CHECK_EXTENSION`).
    pub fn check_extension(&self, cap: u32) -> io::Result<i32> {
        KVM_CHECK_EXTENSION.call(self, cap as c_ulong)
    }

    /// Enables a VM capability (`KVM_ENABLE_CAP`).
    ///
    /// Only capabilities whose arguments the kernel treats as numbers or fds are
    /// accepted; any other fails with [`io::ErrorKind::InvalidInput`] before the call.
    pub fn enable_cap(&self, cap: &kvm_enable_cap) -> io::Result<()> {
        if !VM_CAPS_WITHOUT_ADDRESSES.contains(&cap.cap) {
            return Err(invalid_input(format!(
                "KVM_ENABLE_CAP on a VM: capability {} is not known to take only numbers and fds as arguments; use enable_cap_unchecked",
                cap.cap
            )));
        }
        KVM_ENABLE_CAP.call(self, cap).map(drop)
    }

    /// Enables any VM capability (`KVM_ENABLE_CAP`).
    ///
    /// # Safety
    ///
    /// Every address that the capability's arguments carry must be valid for the reads
    /// and writes that the kernel performs for that capability, for as long as it uses
    /// them.
    pub unsafe fn enable_cap_unchecked(&self, cap: &kvm_enable_cap) -> io::Result<()> {
        KVM_ENABLE_CAP.call(self, cap).map(drop)
    }

    /// Reads the kvmclock value (`KVM_GET_CLOCK`).
    pub fn clock(&self) -> io::Result<kvm_clock_data> {
        KVM_GET_CLOCK.call(self)
    }

    /// Returns a new fd with the VM's binary statistics (`KVM_GET_STATS_FD`).
    pub fn stats_fd(&self) -> io::Result<OwnedFd> {
        KVM_GET_STATS_FD.call(self)
    }

    /// Re-protects the pages `first_page..first_page + num_pages` of slot `slot` whose
    /// bits are set in `bitmap` (`KVM_CLEAR_DIRTY_LOG`). `first_page` must be a multiple
    /// of 64, and `bitmap` must hold at least `num_pages` bits.
    pub fn clear_dirty_log(&self, slot: u32, first_page: u64, num_pages: u32, bitmap: &[u64]) -> io::Result<()> {
        let words = (num_pages as usize).div_ceil(64);
        if bitmap.len() < words {
            return Err(invalid_input(format!(
                "KVM_CLEAR_DIRTY_LOG: {num_pages} pages need a bitmap of {words} words, got {}",
                bitmap.len()
            )));
        }
        let mut log = kvm_clear_dirty_log {
            slot,
            num_pages,
            first_page,
            dirty_bitmap: bitmap.as_ptr() as u64,
        };
        // The kernel reads `num_pages` bits rounded up to whole words from `bitmap`, which
        // is borrowed for the call and holds at least that many (checked above).
        KVM_CLEAR_DIRTY_LOG.call(self, &mut log)
    }

    /// Sets the MSR filter (`KVM_X86_SET_MSR_FILTER`): `flags` is
    /// `KVM_MSR_FILTER_DEFAULT_ALLOW` or `KVM_MSR_FILTER_DEFAULT_DENY`, and at most
    /// [`KVM_MSR_FILTER_MAX_RANGES`] ranges follow. No ranges removes the filter.
    pub fn set_msr_filter(&self, flags: u32, ranges: &[MsrFilterRange<'_>]) -> io::Result<()> {
        if ranges.len() > KVM_MSR_FILTER_MAX_RANGES {
            return Err(invalid_input(format!(
                "KVM_X86_SET_MSR_FILTER takes at most {KVM_MSR_FILTER_MAX_RANGES} ranges, got {}",
                ranges.len()
            )));
        }
        let mut filter = kvm_msr_filter { flags, ..kvm_msr_filter::default() };
        for (slot, range) in filter.ranges.iter_mut().zip(ranges) {
            let needed = (range.nmsrs as usize).div_ceil(64) * 8;
            if range.bitmap.len() < needed {
                return Err(invalid_input(format!(
                    "KVM_X86_SET_MSR_FILTER: a range of {} MSRs needs a bitmap of {needed} bytes, got {}",
                    range.nmsrs,
                    range.bitmap.len()
                )));
            }
            *slot = kvm_msr_filter_range {
                flags: range.flags,
                nmsrs: range.nmsrs,
                base: range.base,
                bitmap: range.bitmap.as_ptr() as u64,
            };
        }
        // The kernel copies each bitmap during the call and keeps no address; every
        // bitmap is borrowed for the call and large enough (checked above). Unused ranges
        // have `nmsrs == 0`, which the kernel skips without reading `bitmap`.
        KVM_X86_SET_MSR_FILTER.call(self, &filter)
    }
}
