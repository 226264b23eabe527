//! Integer constants of `linux/kvm.h` and `asm/kvm.h` (x86_64): exit reasons, states,
//! flags and sizes. Capability numbers are in `caps.rs`.
//!
//! Each constant is listed in [`KVM_CONSTANTS`] under its C name, and the header check
//! compares every value with what gcc computes from the installed headers.

use crate::tables::c_constants;

c_constants! {
    /// Every constant of this module as `(C name, value)`, for header checks.
    pub KVM_CONSTANTS:

    /// The only KVM API version that Linux has shipped since 2.6.22.
    KVM_API_VERSION: i32 = 12;

    /// The number of interrupt vectors in `kvm_sregs::interrupt_bitmap`.
    KVM_NR_INTERRUPTS: usize = 256;
    /// The size of `kvm_lapic_state::regs` in bytes.
    KVM_APIC_REG_SIZE: usize = 0x400;
    /// The number of redirection entries of the emulated IOAPIC.
    KVM_IOAPIC_NUM_PINS: usize = 24;
    /// The number of entries in `kvm_xcrs::xcrs`.
    KVM_MAX_XCRS: usize = 16;
    /// The number of ranges in `kvm_msr_filter`.
    KVM_MSR_FILTER_MAX_RANGES: usize = 16;
    /// The maximum bitmap size of one MSR filter range in bytes.
    KVM_MSR_FILTER_MAX_BITMAP_SIZE: usize = 0x600;
    /// The size of the synced-registers union at the end of `kvm_run`.
    SYNC_REGS_SIZE_BYTES: usize = 2048;
    /// The page offset of the PIO data page in a vCPU mapping.
    KVM_PIO_PAGE_OFFSET: u64 = 1;
    /// The page offset of the coalesced MMIO ring in a vCPU mapping.
    KVM_COALESCED_MMIO_PAGE_OFFSET: u64 = 2;
    /// The page offset of the dirty ring in a vCPU mapping.
    KVM_DIRTY_LOG_PAGE_OFFSET: u64 = 64;

    /// `kvm_userspace_memory_region.flags`: log dirty pages.
    KVM_MEM_LOG_DIRTY_PAGES: u32 = 1 << 0;
    /// `kvm_userspace_memory_region.flags`: the guest cannot write the region.
    KVM_MEM_READONLY: u32 = 1 << 1;

    /// Exit reason: unknown to KVM.
    KVM_EXIT_UNKNOWN: u32 = 0;
    /// Exit reason: a guest exception.
    KVM_EXIT_EXCEPTION: u32 = 1;
    /// Exit reason: a port I/O instruction.
    KVM_EXIT_IO: u32 = 2;
    /// Exit reason: a hypercall (`KVM_CAP_EXIT_HYPERCALL`).
    KVM_EXIT_HYPERCALL: u32 = 3;
    /// Exit reason: a debug event.
    KVM_EXIT_DEBUG: u32 = 4;
    /// Exit reason: the guest executed `hlt`.
    KVM_EXIT_HLT: u32 = 5;
    /// Exit reason: an access to memory that no slot backs.
    KVM_EXIT_MMIO: u32 = 6;
    /// Exit reason: the guest can take an interrupt.
    KVM_EXIT_IRQ_WINDOW_OPEN: u32 = 7;
    /// Exit reason: the guest triple-faulted.
    KVM_EXIT_SHUTDOWN: u32 = 8;
    /// Exit reason: the hardware refused to enter the guest.
    KVM_EXIT_FAIL_ENTRY: u32 = 9;
    /// Exit reason: a signal interrupted `KVM_RUN`.
    KVM_EXIT_INTR: u32 = 10;
    /// Exit reason: the guest wrote the TPR.
    KVM_EXIT_SET_TPR: u32 = 11;
    /// Exit reason: a TPR access that `KVM_TPR_ACCESS_REPORTING` reports.
    KVM_EXIT_TPR_ACCESS: u32 = 12;
    /// Exit reason: an NMI.
    KVM_EXIT_NMI: u32 = 16;
    /// Exit reason: KVM failed to emulate an instruction or handle an exit.
    KVM_EXIT_INTERNAL_ERROR: u32 = 17;
    /// Exit reason: a system event such as a reset or shutdown request.
    KVM_EXIT_SYSTEM_EVENT: u32 = 24;
    /// Exit reason: an EOI of a level-triggered IOAPIC interrupt (split irqchip).
    KVM_EXIT_IOAPIC_EOI: u32 = 26;
    /// Exit reason: a Hyper-V event.
    KVM_EXIT_HYPERV: u32 = 27;
    /// Exit reason: an MSR read that user space handles.
    KVM_EXIT_X86_RDMSR: u32 = 29;
    /// Exit reason: an MSR write that user space handles.
    KVM_EXIT_X86_WRMSR: u32 = 30;
    /// Exit reason: the dirty ring of the vCPU is full.
    KVM_EXIT_DIRTY_RING_FULL: u32 = 31;
    /// Exit reason: an SEV-ES AP reset hold.
    KVM_EXIT_AP_RESET_HOLD: u32 = 32;
    /// Exit reason: a bus lock (`KVM_CAP_X86_BUS_LOCK_EXIT`).
    KVM_EXIT_X86_BUS_LOCK: u32 = 33;
    /// Exit reason: a Xen hypercall.
    KVM_EXIT_XEN: u32 = 34;
    /// Exit reason: the notify VM exit fired (`KVM_CAP_X86_NOTIFY_VMEXIT`).
    KVM_EXIT_NOTIFY: u32 = 37;

    /// `kvm_run.io.direction`: the guest reads from the port.
    KVM_EXIT_IO_IN: u8 = 0;
    /// `kvm_run.io.direction`: the guest writes to the port.
    KVM_EXIT_IO_OUT: u8 = 1;

    /// `KVM_EXIT_INTERNAL_ERROR` sub-error: instruction emulation failed.
    KVM_INTERNAL_ERROR_EMULATION: u32 = 1;
    /// `KVM_EXIT_INTERNAL_ERROR` sub-error: simultaneous exceptions.
    KVM_INTERNAL_ERROR_SIMUL_EX: u32 = 2;
    /// `KVM_EXIT_INTERNAL_ERROR` sub-error: a VM exit while delivering an event.
    KVM_INTERNAL_ERROR_DELIVERY_EV: u32 = 3;
    /// `KVM_EXIT_INTERNAL_ERROR` sub-error: an exit reason KVM does not know.
    KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: u32 = 4;

    /// `KVM_EXIT_SYSTEM_EVENT` type: the guest requested a shutdown.
    KVM_SYSTEM_EVENT_SHUTDOWN: u32 = 1;
    /// `KVM_EXIT_SYSTEM_EVENT` type: the guest requested a reset.
    KVM_SYSTEM_EVENT_RESET: u32 = 2;
    /// `KVM_EXIT_SYSTEM_EVENT` type: the guest crashed.
    KVM_SYSTEM_EVENT_CRASH: u32 = 3;
    /// `KVM_EXIT_SYSTEM_EVENT` type: an SEV-ES guest requested termination.
    KVM_SYSTEM_EVENT_SEV_TERM: u32 = 6;

    /// `kvm_mp_state`: the vCPU runs.
    KVM_MP_STATE_RUNNABLE: u32 = 0;
    /// `kvm_mp_state`: an application processor waiting for INIT.
    KVM_MP_STATE_UNINITIALIZED: u32 = 1;
    /// `kvm_mp_state`: INIT received, waiting for SIPI.
    KVM_MP_STATE_INIT_RECEIVED: u32 = 2;
    /// `kvm_mp_state`: halted until an interrupt.
    KVM_MP_STATE_HALTED: u32 = 3;
    /// `kvm_mp_state`: SIPI received.
    KVM_MP_STATE_SIPI_RECEIVED: u32 = 4;
    /// `kvm_mp_state`: an SEV-ES AP reset hold.
    KVM_MP_STATE_AP_RESET_HOLD: u32 = 9;

    /// `kvm_irqchip.chip_id`: the master 8259 PIC.
    KVM_IRQCHIP_PIC_MASTER: u32 = 0;
    /// `kvm_irqchip.chip_id`: the slave 8259 PIC.
    KVM_IRQCHIP_PIC_SLAVE: u32 = 1;
    /// `kvm_irqchip.chip_id`: the IOAPIC.
    KVM_IRQCHIP_IOAPIC: u32 = 2;
    /// The number of in-kernel interrupt controllers.
    KVM_NR_IRQCHIPS: u32 = 3;

    /// `kvm_pit_config.flags`: emulate the PC speaker port as a dummy.
    KVM_PIT_SPEAKER_DUMMY: u32 = 1;
    /// `kvm_pit_state2.flags`: the HPET drives the legacy timer interrupts.
    KVM_PIT_FLAGS_HPET_LEGACY: u32 = 0x1;
    /// `kvm_pit_state2.flags`: the speaker data gate is on.
    KVM_PIT_FLAGS_SPEAKER_DATA_ON: u32 = 0x2;

    /// `kvm_irqfd.flags`: remove the irqfd.
    KVM_IRQFD_FLAG_DEASSIGN: u32 = 1 << 0;
    /// `kvm_irqfd.flags`: `resamplefd` is valid (level-triggered interrupts).
    KVM_IRQFD_FLAG_RESAMPLE: u32 = 1 << 1;
    /// `kvm_ioeventfd.flags`: signal only when the written value equals `datamatch`.
    KVM_IOEVENTFD_FLAG_DATAMATCH: u32 = 1 << 0;
    /// `kvm_ioeventfd.flags`: the address is an I/O port.
    KVM_IOEVENTFD_FLAG_PIO: u32 = 1 << 1;
    /// `kvm_ioeventfd.flags`: remove the ioeventfd.
    KVM_IOEVENTFD_FLAG_DEASSIGN: u32 = 1 << 2;
    /// `kvm_msi.flags`: `devid` is valid.
    KVM_MSI_VALID_DEVID: u32 = 1 << 0;

    /// `kvm_clock_data.flags`: the clock is stable across host CPUs.
    KVM_CLOCK_TSC_STABLE: u32 = 2;
    /// `kvm_clock_data.flags`: `realtime` is valid.
    KVM_CLOCK_REALTIME: u32 = 1 << 2;
    /// `kvm_clock_data.flags`: `host_tsc` is valid.
    KVM_CLOCK_HOST_TSC: u32 = 1 << 3;

    /// `kvm_guest_debug.control`: enable guest debugging.
    KVM_GUESTDBG_ENABLE: u32 = 0x0000_0001;
    /// `kvm_guest_debug.control`: single-step the guest.
    KVM_GUESTDBG_SINGLESTEP: u32 = 0x0000_0002;
    /// `kvm_guest_debug.control`: exit on software breakpoints.
    KVM_GUESTDBG_USE_SW_BP: u32 = 0x0001_0000;
    /// `kvm_guest_debug.control`: use the hardware breakpoints in `arch.debugreg`.
    KVM_GUESTDBG_USE_HW_BP: u32 = 0x0002_0000;

    /// `kvm_vcpu_events.flags`: `nmi.pending` is valid.
    KVM_VCPUEVENT_VALID_NMI_PENDING: u32 = 0x1;
    /// `kvm_vcpu_events.flags`: `sipi_vector` is valid.
    KVM_VCPUEVENT_VALID_SIPI_VECTOR: u32 = 0x2;
    /// `kvm_vcpu_events.flags`: `interrupt.shadow` is valid.
    KVM_VCPUEVENT_VALID_SHADOW: u32 = 0x4;
    /// `kvm_vcpu_events.flags`: `smi` is valid.
    KVM_VCPUEVENT_VALID_SMM: u32 = 0x8;
    /// `kvm_vcpu_events.flags`: the exception payload fields are valid.
    KVM_VCPUEVENT_VALID_PAYLOAD: u32 = 0x10;
    /// `kvm_vcpu_events.flags`: `triple_fault` is valid.
    KVM_VCPUEVENT_VALID_TRIPLE_FAULT: u32 = 0x20;

    /// `kvm_msr_filter.flags`: MSRs outside every range are allowed.
    KVM_MSR_FILTER_DEFAULT_ALLOW: u32 = 0;
    /// `kvm_msr_filter.flags`: MSRs outside every range are denied.
    KVM_MSR_FILTER_DEFAULT_DENY: u32 = 1 << 0;
    /// `kvm_msr_filter_range.flags`: the bitmap filters reads.
    KVM_MSR_FILTER_READ: u32 = 1 << 0;
    /// `kvm_msr_filter_range.flags`: the bitmap filters writes.
    KVM_MSR_FILTER_WRITE: u32 = 1 << 1;

    /// `kvm_create_device.type`: a VFIO pseudo-device.
    KVM_DEV_TYPE_VFIO: u32 = 4;
    /// `kvm_create_device.flags`: only test whether the device type is supported.
    KVM_CREATE_DEVICE_TEST: u32 = 1;
    /// Attribute group of a VFIO device: VFIO groups.
    KVM_DEV_VFIO_GROUP: u32 = 1;
    /// VFIO group attribute: add the group whose fd `addr` points to.
    KVM_DEV_VFIO_GROUP_ADD: u64 = 1;
    /// VFIO group attribute: remove the group whose fd `addr` points to.
    KVM_DEV_VFIO_GROUP_DEL: u64 = 2;
    /// Attribute group of a vCPU: the timestamp counter.
    KVM_VCPU_TSC_CTRL: u32 = 0;
    /// TSC attribute: the guest TSC offset, a `u64`.
    KVM_VCPU_TSC_OFFSET: u64 = 0;
    /// Attribute of the system fd (group 0): the XSAVE features a guest may use, a `u64`.
    KVM_X86_XCOMP_GUEST_SUPP: u64 = 0;

    /// `kvm_one_reg.id`: the mask of the size field.
    KVM_REG_SIZE_MASK: u64 = 0x00f0_0000_0000_0000;
    /// `kvm_one_reg.id`: the shift of the size field (size is `1 << field` bytes).
    KVM_REG_SIZE_SHIFT: u32 = 52;
    /// `kvm_one_reg.id`: the x86 architecture.
    KVM_REG_X86: u64 = 0x2000_0000_0000_0000;

    /// `kvm_sregs2.flags`: `pdptrs` is valid.
    KVM_SREGS2_FLAGS_PDPTRS_VALID: u64 = 1;

    /// `kvm_enable_cap` argument bits of `KVM_CAP_X2APIC_API`: 32-bit APIC ids.
    KVM_X2APIC_API_USE_32BIT_IDS: u64 = 1 << 0;
    /// `kvm_enable_cap` argument bits of `KVM_CAP_X86_DISABLE_EXITS`: `hlt` does not exit.
    KVM_X86_DISABLE_EXITS_HLT: u32 = 1 << 1;
}
