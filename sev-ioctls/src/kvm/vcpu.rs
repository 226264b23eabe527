//! Ioctls of vCPU fds: registers, interrupt and exception state, XSAVE and debugging.

use std::ffi::c_ulong;
use std::io;
use std::os::fd::OwnedFd;

use ioctl_core::ioctl;

use super::caps::*;
use super::{
    kvm_cpuid, kvm_cpuid2, kvm_msrs, kvm_nested_state, kvm_reg_list, kvm_signal_mask, KvmOrVcpu, kvm_debugregs, kvm_enable_cap, kvm_fpu, kvm_guest_debug, kvm_interrupt, kvm_lapic_state, kvm_mp_state,
    kvm_one_reg, kvm_regs, kvm_sregs, kvm_sregs2, kvm_tpr_access_ctl, kvm_translation, kvm_vapic_addr,
    kvm_vcpu_events, kvm_x86_mce, kvm_xcrs, kvm_xsave, kvm_xsave_area, KVM_ENABLE_CAP, KVM_GET_STATS_FD,
    KVM_GET_TSC_KHZ, KVM_REG_SIZE_MASK, KVM_REG_SIZE_SHIFT, KVM_SET_TSC_KHZ,
};

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` and `asm/kvm.h` of Linux 6.1
    // (direction, number, payload type and return value); the header test compares each
    // number and payload layout. `KVM_SET_XSAVE` and `KVM_GET_XSAVE2` move as many bytes
    // as the vCPU's XSAVE area has, so their payload is the 16 KiB `kvm_xsave_area` and
    // their wrappers check the CPU's XSAVE size first. `KVM_GET_ONE_REG` and
    // `KVM_SET_ONE_REG` hold an address and are reached through wrappers. The flexible
    // array ioctls read and write the header and at most the entries that it counts
    // (`msr_io`, `kvm_vcpu_ioctl_set_cpuid2`, `kvm_vcpu_ioctl_get_cpuid2` in
    // arch/x86/kvm/x86.c and cpuid.c); `KVM_GET_NESTED_STATE` is the exception described at
    // its declaration, and its only caller allocates for it.
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_VCPU_IOCTLS;

        /// A virtual CPU, created by [`KVM_CREATE_VCPU`](super::KVM_CREATE_VCPU).
        pub fd Vcpu;

        /// Runs the vCPU until it exits to user space; returns EINTR when a signal or
        /// `immediate_exit` stops it.
        pub(crate) none KVM_RUN = 0x80 on Vcpu -> zero;
        /// Reads the general-purpose registers.
        pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu;
        /// Writes the general-purpose registers.
        pub write KVM_SET_REGS = 0x82 => kvm_regs on Vcpu -> zero;
        /// Reads the segment, descriptor-table and control registers.
        pub read KVM_GET_SREGS = 0x83 => kvm_sregs on Vcpu;
        /// Writes the segment, descriptor-table and control registers.
        pub write KVM_SET_SREGS = 0x84 => kvm_sregs on Vcpu -> zero;
        /// Translates a guest linear address with the vCPU's current page tables.
        pub readwrite KVM_TRANSLATE = 0x85 => kvm_translation on Vcpu -> zero;
        /// Injects an external interrupt; only without an in-kernel interrupt controller.
        pub write KVM_INTERRUPT = 0x86 => kvm_interrupt on Vcpu -> zero;
        /// Reads the values of the MSRs that the entries name and returns how many it read;
        /// it stops at the first MSR that it cannot read. On the system fd it reads feature
        /// MSRs (`KVM_CAP_GET_MSR_FEATURES`).
        pub readwrite KVM_GET_MSRS = 0x88 => kvm_msrs[] on KvmOrVcpu -> count;
        /// Writes the MSRs that the entries name and returns how many it wrote; it stops at
        /// the first MSR that it cannot write.
        pub write KVM_SET_MSRS = 0x89 => kvm_msrs[] on Vcpu -> count;
        /// Sets the guest's CPUID leaves from the legacy entry format without sub-leaves.
        pub write KVM_SET_CPUID = 0x8A => kvm_cpuid[] on Vcpu -> zero;
        /// Sets the signals blocked while the vCPU runs; `len` must be 8 on x86_64.
        pub write KVM_SET_SIGNAL_MASK = 0x8B => kvm_signal_mask[] on Vcpu -> zero;
        /// Reads the x87 and SSE state.
        pub read KVM_GET_FPU = 0x8C => kvm_fpu on Vcpu;
        /// Writes the x87 and SSE state.
        pub write KVM_SET_FPU = 0x8D => kvm_fpu on Vcpu -> zero;
        /// Reads the local APIC register page (needs an in-kernel irqchip).
        pub read KVM_GET_LAPIC = 0x8E => kvm_lapic_state on Vcpu;
        /// Writes the local APIC register page (needs an in-kernel irqchip).
        pub write KVM_SET_LAPIC = 0x8F => kvm_lapic_state on Vcpu -> zero;
        /// Sets the guest's CPUID leaves.
        pub write KVM_SET_CPUID2 = 0x90 => kvm_cpuid2[] on Vcpu -> zero;
        /// Reads the guest's CPUID leaves; on `E2BIG` the kernel leaves `nent` unchanged.
        /// [`Vcpu::cpuid2`] grows the list.
        pub readwrite KVM_GET_CPUID2 = 0x91 => kvm_cpuid2[] on Vcpu -> zero;
        /// Enables or disables reporting of TPR accesses (`KVM_EXIT_TPR_ACCESS`).
        pub readwrite KVM_TPR_ACCESS_REPORTING = 0x92 => kvm_tpr_access_ctl on Vcpu -> zero;
        /// Sets the guest physical address of the virtual APIC page.
        pub write KVM_SET_VAPIC_ADDR = 0x93 => kvm_vapic_addr on Vcpu -> zero;
        /// Reads the multiprocessing state (`KVM_MP_STATE_*`).
        pub read KVM_GET_MP_STATE = 0x98 => kvm_mp_state on Vcpu;
        /// Writes the multiprocessing state.
        pub write KVM_SET_MP_STATE = 0x99 => kvm_mp_state on Vcpu -> zero;
        /// Queues an NMI.
        pub none KVM_NMI = 0x9A on Vcpu -> zero;
        /// Sets single-stepping and hardware breakpoints.
        pub write KVM_SET_GUEST_DEBUG = 0x9B => kvm_guest_debug on Vcpu -> zero;
        /// Sets the guest's `MCG_CAP`, enabling machine-check emulation.
        pub write KVM_X86_SETUP_MCE = 0x9C => u64 on Vcpu -> zero;
        /// Injects a machine-check event.
        pub write KVM_X86_SET_MCE = 0x9E => kvm_x86_mce on Vcpu -> zero;
        /// Reads pending exceptions, interrupts, NMIs and SMIs.
        pub read KVM_GET_VCPU_EVENTS = 0x9F => kvm_vcpu_events on Vcpu;
        /// Writes pending exceptions, interrupts, NMIs and SMIs.
        pub write KVM_SET_VCPU_EVENTS = 0xA0 => kvm_vcpu_events on Vcpu -> zero;
        /// Reads the debug registers.
        pub read KVM_GET_DEBUGREGS = 0xA1 => kvm_debugregs on Vcpu;
        /// Writes the debug registers.
        pub write KVM_SET_DEBUGREGS = 0xA2 => kvm_debugregs on Vcpu -> zero;
        /// Reads the first 4096 bytes of the XSAVE area; fails with EINVAL when the vCPU's
        /// area is larger (use [`Vcpu::xsave2`]).
        pub read KVM_GET_XSAVE = 0xA4 => kvm_xsave on Vcpu;
        /// Writes the XSAVE area; the kernel reads as many bytes as the vCPU's area has.
        pub(crate) write KVM_SET_XSAVE = 0xA5 => kvm_xsave_area size kvm_xsave on Vcpu -> zero;
        /// Reads the extended control registers.
        pub read KVM_GET_XCRS = 0xA6 => kvm_xcrs on Vcpu;
        /// Writes the extended control registers.
        pub write KVM_SET_XCRS = 0xA7 => kvm_xcrs on Vcpu -> zero;
        /// Copies one register to the address in the payload (x86_64 support is newer than
        /// Linux 6.1).
        pub(crate) write KVM_GET_ONE_REG = 0xAB => kvm_one_reg on Vcpu -> zero;
        /// Sets one register from the address in the payload.
        pub(crate) write KVM_SET_ONE_REG = 0xAC => kvm_one_reg on Vcpu -> zero;
        /// Tells the guest's kvmclock that the host paused the VM, so its watchdogs do not
        /// fire.
        pub none KVM_KVMCLOCK_CTRL = 0xAD on Vcpu -> zero;
        /// Lists the register ids that `KVM_GET_ONE_REG` reads; on `E2BIG` the kernel has
        /// written the number it needs into `n`. x86_64 serves it since Linux 6.18.
        pub readwrite KVM_GET_REG_LIST = 0xB0 => kvm_reg_list[] on Vcpu -> zero;
        /// Queues a system management interrupt.
        pub none KVM_SMI = 0xB7 on Vcpu -> zero;
        /// Reads the nested hypervisor's state. The VMX code can write 4 KiB more data than
        /// the `size` that it checked, so this is reached through [`Vcpu::nested_state`],
        /// which always leaves room for the largest format.
        pub(crate) readwrite KVM_GET_NESTED_STATE = 0xBE => kvm_nested_state[] on Vcpu -> zero;
        /// Restores the nested hypervisor's state; the kernel reads at most `size` bytes.
        pub write KVM_SET_NESTED_STATE = 0xBF => kvm_nested_state[] on Vcpu -> zero;
        /// Lists the Hyper-V CPUID leaves that KVM supports; on `E2BIG` the kernel leaves
        /// `nent` unchanged. On the system fd it needs `KVM_CAP_SYS_HYPERV_CPUID`.
        pub readwrite KVM_GET_SUPPORTED_HV_CPUID = 0xC1 => kvm_cpuid2[] on KvmOrVcpu -> zero;
        /// Reads the special registers with the PAE page-directory pointers.
        pub read KVM_GET_SREGS2 = 0xCC => kvm_sregs2 on Vcpu;
        /// Writes the special registers with the PAE page-directory pointers.
        pub write KVM_SET_SREGS2 = 0xCD => kvm_sregs2 on Vcpu -> zero;
        /// Reads the whole XSAVE area; the kernel writes as many bytes as the vCPU's area
        /// has.
        pub(crate) read KVM_GET_XSAVE2 = 0xCF => kvm_xsave_area size kvm_xsave on Vcpu;
    }
}

/// The vCPU capabilities whose `KVM_ENABLE_CAP` arguments Linux 6.1 treats as numbers,
/// never as addresses. `KVM_CAP_HYPERV_ENLIGHTENED_VMCS` makes `kvm_vcpu_ioctl_enable_cap`
/// write a `u16` to the address in `args[0]`, so it has its own wrapper,
/// [`Vcpu::enable_evmcs`].
const VCPU_CAPS_WITHOUT_ADDRESSES: &[u32] = &[
    KVM_CAP_HYPERV_SYNIC,
    KVM_CAP_HYPERV_SYNIC2,
    KVM_CAP_HYPERV_DIRECT_TLBFLUSH,
    KVM_CAP_HYPERV_ENFORCE_CPUID,
    KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
];

/// Fails unless `kvm_xsave_area` can hold the largest XSAVE area this CPU reports, which
/// bounds what the kernel moves for `KVM_SET_XSAVE` and `KVM_GET_XSAVE2`.
fn check_xsave_capacity() -> io::Result<()> {
    // CPUID leaf 0xD, sub-leaf 0: ECX is the size of the XSAVE area for every feature
    // the processor supports, in the standard format that KVM's user ABI uses.
    let max = core::arch::x86_64::__cpuid_count(0xD, 0).ecx as usize;
    let capacity = size_of::<kvm_xsave_area>();
    if max > capacity {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("this CPU's XSAVE area is {max} bytes, more than the {capacity} bytes of kvm_xsave_area"),
        ));
    }
    Ok(())
}

/// Returns the size in bytes that a `KVM_GET_ONE_REG` id encodes.
fn one_reg_size(id: u64) -> usize {
    1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT)
}

fn check_one_reg(id: u64, len: usize) -> io::Result<()> {
    let size = one_reg_size(id);
    if size != len {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("register id {id:#x} encodes a {size}-byte value, but the buffer has {len} bytes"),
        ));
    }
    Ok(())
}

impl Vcpu {
    /// Enables a vCPU capability (`KVM_ENABLE_CAP`).
    ///
    /// Only capabilities whose arguments the kernel treats as numbers are accepted; any
    /// other fails with [`io::ErrorKind::InvalidInput`] before the call.
    pub fn enable_cap(&self, cap: &kvm_enable_cap) -> io::Result<()> {
        if !VCPU_CAPS_WITHOUT_ADDRESSES.contains(&cap.cap) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("KVM_ENABLE_CAP on a vCPU: capability {} is not known to take only numbers as arguments", cap.cap),
            ));
        }
        KVM_ENABLE_CAP.call(self, cap).map(drop)
    }

    /// Enables the Hyper-V enlightened VMCS (`KVM_CAP_HYPERV_ENLIGHTENED_VMCS`) and returns
    /// the supported eVMCS version range that the kernel writes (low byte: lowest version,
    /// high byte: highest).
    pub fn enable_evmcs(&self) -> io::Result<u16> {
        let mut versions: u16 = 0;
        let cap = kvm_enable_cap {
            cap: KVM_CAP_HYPERV_ENLIGHTENED_VMCS,
            args: [core::ptr::addr_of_mut!(versions) as u64, 0, 0, 0],
            ..kvm_enable_cap::default()
        };
        // The kernel writes a u16 to args[0], which points to `versions`, a local that
        // outlives the call.
        KVM_ENABLE_CAP.call(self, &cap)?;
        Ok(versions)
    }

    /// Returns a new fd with the vCPU's binary statistics (`KVM_GET_STATS_FD`).
    pub fn stats_fd(&self) -> io::Result<OwnedFd> {
        KVM_GET_STATS_FD.call(self)
    }

    /// Returns the guest TSC frequency in kHz (`KVM_GET_TSC_KHZ`).
    pub fn tsc_khz(&self) -> io::Result<u32> {
        let khz = KVM_GET_TSC_KHZ.call(self)?;
        u32::try_from(khz).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
    }

    /// Sets the guest TSC frequency in kHz (`KVM_SET_TSC_KHZ`).
    pub fn set_tsc_khz(&self, khz: u32) -> io::Result<()> {
        KVM_SET_TSC_KHZ.call(self, khz as c_ulong)
    }

    /// Writes the first 4096 bytes of the XSAVE area, as [`KVM_GET_XSAVE`] returns them,
    /// with zeros after them (`KVM_SET_XSAVE`).
    pub fn set_xsave(&self, xsave: &kvm_xsave) -> io::Result<()> {
        let mut area = Box::<kvm_xsave_area>::default();
        area.region = xsave.region;
        self.set_xsave2(&area)
    }

    /// Writes the whole XSAVE area (`KVM_SET_XSAVE`).
    ///
    /// Fails with [`io::ErrorKind::Unsupported`] on a CPU whose XSAVE area is larger
    /// than `kvm_xsave_area`.
    pub fn set_xsave2(&self, area: &kvm_xsave_area) -> io::Result<()> {
        check_xsave_capacity()?;
        KVM_SET_XSAVE.call(self, area)
    }

    /// Reads the whole XSAVE area (`KVM_GET_XSAVE2`).
    ///
    /// Fails with [`io::ErrorKind::Unsupported`] on a CPU whose XSAVE area is larger
    /// than `kvm_xsave_area`.
    pub fn xsave2(&self) -> io::Result<Box<kvm_xsave_area>> {
        check_xsave_capacity()?;
        KVM_GET_XSAVE2.call(self).map(Box::new)
    }

    /// Reads register `id` into `value`, whose length must be the size that `id`
    /// encodes (`KVM_GET_ONE_REG`).
    pub fn get_one_reg(&self, id: u64, value: &mut [u8]) -> io::Result<()> {
        check_one_reg(id, value.len())?;
        let reg = kvm_one_reg { id, addr: value.as_mut_ptr() as u64 };
        // The kernel writes the register's size, which equals `value.len()` (checked
        // above), to `value`, which is exclusively borrowed for the call.
        KVM_GET_ONE_REG.call(self, &reg)
    }

    /// Sets register `id` from `value`, whose length must be the size that `id` encodes
    /// (`KVM_SET_ONE_REG`).
    pub fn set_one_reg(&self, id: u64, value: &[u8]) -> io::Result<()> {
        check_one_reg(id, value.len())?;
        let reg = kvm_one_reg { id, addr: value.as_ptr() as u64 };
        // The kernel reads the register's size, which equals `value.len()` (checked
        // above), from `value`, which is borrowed for the call.
        KVM_SET_ONE_REG.call(self, &reg)
    }
}
