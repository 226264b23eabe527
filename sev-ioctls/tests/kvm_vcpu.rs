//! vCPU ioctls on /dev/kvm: get/set round trips of every fixed-size state family, and
//! the wrappers around payloads that hold addresses.

#![cfg(target_arch = "x86_64")]

mod common;

use std::io;

use common::{errno, has_cap, machine};
use sev_ioctls::kvm::*;

#[test]
fn regs_round_trip() {
    let Some(m) = machine("regs_round_trip") else { return };
    let mut regs = KVM_GET_REGS.call(&m.vcpu).unwrap();
    regs.rax = 0x1234_5678;
    regs.r15 = 0xdead_beef;
    regs.rip = 0x1000;
    regs.rflags = 0x2;
    KVM_SET_REGS.call(&m.vcpu, &regs).unwrap();
    assert_eq!(KVM_GET_REGS.call(&m.vcpu).unwrap(), regs);
}

#[test]
fn sregs_round_trip() {
    let Some(m) = machine("sregs_round_trip") else { return };
    let mut sregs = KVM_GET_SREGS.call(&m.vcpu).unwrap();
    sregs.cs.base = 0x10000;
    sregs.cs.selector = 0x1000;
    sregs.cr2 = 0xdead_0000;
    KVM_SET_SREGS.call(&m.vcpu, &sregs).unwrap();
    let back = KVM_GET_SREGS.call(&m.vcpu).unwrap();
    assert_eq!(back.cs.base, 0x10000);
    assert_eq!(back.cs.selector, 0x1000);
    assert_eq!(back.cr2, 0xdead_0000);
}

#[test]
fn sregs2_round_trip() {
    let Some(m) = machine("sregs2_round_trip") else { return };
    if !has_cap(&m.kvm, KVM_CAP_SREGS2, "sregs2_round_trip") {
        return;
    }
    let mut sregs = KVM_GET_SREGS2.call(&m.vcpu).unwrap();
    sregs.cr2 = 0xbeef_0000;
    KVM_SET_SREGS2.call(&m.vcpu, &sregs).unwrap();
    assert_eq!(KVM_GET_SREGS2.call(&m.vcpu).unwrap().cr2, 0xbeef_0000);
}

#[test]
fn fpu_round_trip() {
    let Some(m) = machine("fpu_round_trip") else { return };
    let mut fpu = KVM_GET_FPU.call(&m.vcpu).unwrap();
    fpu.fcw = 0x037f;
    fpu.xmm[3] = [0xa5; 16];
    KVM_SET_FPU.call(&m.vcpu, &fpu).unwrap();
    let back = KVM_GET_FPU.call(&m.vcpu).unwrap();
    assert_eq!(back.fcw, 0x037f);
    assert_eq!(back.xmm[3], [0xa5; 16]);
}

#[test]
fn lapic_round_trip() {
    let Some(m) = machine("lapic_round_trip") else { return };
    // The task-priority register sits at offset 0x80 of the APIC page.
    let mut lapic = KVM_GET_LAPIC.call(&m.vcpu).unwrap();
    lapic.regs[0x80] = 0x20;
    KVM_SET_LAPIC.call(&m.vcpu, &lapic).unwrap();
    assert_eq!(KVM_GET_LAPIC.call(&m.vcpu).unwrap().regs[0x80], 0x20);
}

#[test]
fn xsave_round_trip() {
    let Some(m) = machine("xsave_round_trip") else { return };
    if !has_cap(&m.kvm, KVM_CAP_XSAVE, "xsave_round_trip") {
        return;
    }
    // XMM1 occupies bytes 176..192 of the legacy region (32-bit words 44..48), and bit 1
    // of XSTATE_BV (byte 512, word 128) marks the SSE state as present.
    let mut xsave = KVM_GET_XSAVE.call(&m.vcpu).unwrap();
    xsave.region[128] |= 1 << 1;
    xsave.region[44..48].copy_from_slice(&[0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444]);
    m.vcpu.set_xsave(&xsave).unwrap();
    let back = KVM_GET_XSAVE.call(&m.vcpu).unwrap();
    assert_eq!(back.region[44..48], [0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444]);
    assert_eq!(KVM_GET_FPU.call(&m.vcpu).unwrap().xmm[1][0], 0x11);
}

#[test]
fn xsave2_round_trip() {
    let Some(m) = machine("xsave2_round_trip") else { return };
    if !has_cap(&m.kvm, KVM_CAP_XSAVE2, "xsave2_round_trip") {
        return;
    }
    let mut area = m.vcpu.xsave2().unwrap();
    area.region[128] |= 1 << 1;
    area.region[44] = 0x5555_5555;
    m.vcpu.set_xsave2(&area).unwrap();
    assert_eq!(m.vcpu.xsave2().unwrap().region[44], 0x5555_5555);
    assert_eq!(KVM_GET_XSAVE.call(&m.vcpu).unwrap().region[44], 0x5555_5555);
}

#[test]
fn xcrs_round_trip() {
    let Some(m) = machine("xcrs_round_trip") else { return };
    if !has_cap(&m.kvm, KVM_CAP_XCRS, "xcrs_round_trip") {
        return;
    }
    let xcrs = KVM_GET_XCRS.call(&m.vcpu).unwrap();
    assert!(xcrs.nr_xcrs >= 1, "no XCRs reported");
    assert_eq!(xcrs.xcrs[0].xcr, 0, "the first XCR is XCR0");
    assert_eq!(xcrs.xcrs[0].value & 1, 1, "XCR0 always enables x87 state");
    KVM_SET_XCRS.call(&m.vcpu, &xcrs).unwrap();
    assert_eq!(KVM_GET_XCRS.call(&m.vcpu).unwrap().xcrs[0].value, xcrs.xcrs[0].value);
}

#[test]
fn debugregs_round_trip() {
    let Some(m) = machine("debugregs_round_trip") else { return };
    let mut debugregs = KVM_GET_DEBUGREGS.call(&m.vcpu).unwrap();
    debugregs.db[0] = 0x1000;
    debugregs.db[3] = 0x4000;
    KVM_SET_DEBUGREGS.call(&m.vcpu, &debugregs).unwrap();
    let back = KVM_GET_DEBUGREGS.call(&m.vcpu).unwrap();
    assert_eq!(back.db[0], 0x1000);
    assert_eq!(back.db[3], 0x4000);
}

#[test]
fn vcpu_events_round_trip() {
    let Some(m) = machine("vcpu_events_round_trip") else { return };
    let mut events = KVM_GET_VCPU_EVENTS.call(&m.vcpu).unwrap();
    events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
    events.nmi.pending = 1;
    KVM_SET_VCPU_EVENTS.call(&m.vcpu, &events).unwrap();
    assert_eq!(KVM_GET_VCPU_EVENTS.call(&m.vcpu).unwrap().nmi.pending, 1);
}

#[test]
fn mp_state_round_trip() {
    let Some(m) = machine("mp_state_round_trip") else { return };
    assert_eq!(KVM_GET_MP_STATE.call(&m.vcpu).unwrap().mp_state, KVM_MP_STATE_RUNNABLE);
    KVM_SET_MP_STATE.call(&m.vcpu, &kvm_mp_state { mp_state: KVM_MP_STATE_HALTED }).unwrap();
    assert_eq!(KVM_GET_MP_STATE.call(&m.vcpu).unwrap().mp_state, KVM_MP_STATE_HALTED);
}

#[test]
fn guest_debug_and_translate() {
    let Some(m) = machine("guest_debug_and_translate") else { return };
    let debug = kvm_guest_debug { control: KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, ..Default::default() };
    KVM_SET_GUEST_DEBUG.call(&m.vcpu, &debug).unwrap();
    KVM_SET_GUEST_DEBUG.call(&m.vcpu, &kvm_guest_debug::default()).unwrap();

    // A fresh vCPU runs in real mode without paging: linear addresses are physical.
    let mut translation = kvm_translation { linear_address: 0x1234, ..Default::default() };
    KVM_TRANSLATE.call(&m.vcpu, &mut translation).unwrap();
    assert_eq!(translation.physical_address, 0x1234);
    assert_eq!(translation.valid, 1);
}

#[test]
fn tpr_vapic_nmi_smi() {
    let Some(m) = machine("tpr_vapic_nmi_smi") else { return };
    let mut control = kvm_tpr_access_ctl { enabled: 1, ..Default::default() };
    KVM_TPR_ACCESS_REPORTING.call(&m.vcpu, &mut control).unwrap();
    KVM_SET_VAPIC_ADDR.call(&m.vcpu, &kvm_vapic_addr { vapic_addr: 0 }).unwrap();
    KVM_NMI.call(&m.vcpu).unwrap();
    if has_cap(&m.kvm, KVM_CAP_X86_SMM, "tpr_vapic_nmi_smi (KVM_SMI)") {
        KVM_SMI.call(&m.vcpu).unwrap();
    }
}

#[test]
fn interrupt_without_irqchip() {
    let Some(kvm) = common::open_kvm("interrupt_without_irqchip") else { return };
    let vm = kvm.create_vm().unwrap();
    let vcpu = vm.create_vcpu(0).unwrap();
    KVM_INTERRUPT.call(&vcpu, &kvm_interrupt { irq: 0x20 }).unwrap();

    // With an in-kernel irqchip the local APIC takes interrupts, and KVM rejects this.
    let Some(m) = machine("interrupt_without_irqchip") else { return };
    assert_eq!(errno(KVM_INTERRUPT.call(&m.vcpu, &kvm_interrupt { irq: 0x20 })), libc::ENXIO);
}

#[test]
fn machine_check_setup_and_inject() {
    let Some(m) = machine("machine_check_setup_and_inject") else { return };
    if !has_cap(&m.kvm, KVM_CAP_MCE, "machine_check_setup_and_inject") {
        return;
    }
    // The supported MCG_CAP bits leave the bank count (bits 7:0) to the caller; KVM's
    // answer for KVM_CAP_MCE is the maximum.
    let supported = KVM_X86_GET_MCE_CAP_SUPPORTED.call(&m.kvm).unwrap();
    let banks = m.kvm.check_extension(KVM_CAP_MCE).unwrap();
    assert!(banks > 0, "KVM_CAP_MCE reports no banks");
    let mcg_cap = (supported & !0xff) | u64::try_from(banks).unwrap().min(0xff);
    KVM_X86_SETUP_MCE.call(&m.vcpu, &mcg_cap).unwrap();
    // A corrected error (MCi_STATUS.VAL without UC) is stored in bank 0, not raised.
    let mce = kvm_x86_mce { status: 1 << 63, bank: 0, ..Default::default() };
    KVM_X86_SET_MCE.call(&m.vcpu, &mce).unwrap();
    // Without MCi_STATUS.VAL the event is invalid.
    assert_eq!(errno(KVM_X86_SET_MCE.call(&m.vcpu, &kvm_x86_mce::default())), libc::EINVAL);
}

#[test]
fn tsc_frequency_and_offset() {
    let Some(m) = machine("tsc_frequency_and_offset") else { return };
    let khz = m.vcpu.tsc_khz().unwrap();
    assert!(khz > 0, "KVM_GET_TSC_KHZ returned 0");
    if has_cap(&m.kvm, KVM_CAP_TSC_CONTROL, "tsc_frequency_and_offset (KVM_SET_TSC_KHZ)") {
        m.vcpu.set_tsc_khz(khz).unwrap();
    }
    if m.vcpu.has_device_attr(KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET).unwrap() {
        // Both directions reach the kernel. The value read back is not compared: with
        // Linux 6.18 running as a nested guest, KVM returned 0 after the write, through
        // libc's ioctl as well.
        let offset = m.vcpu.tsc_offset().unwrap();
        m.vcpu.set_tsc_offset(offset.wrapping_add(1_000_000)).unwrap();
        m.vcpu.tsc_offset().unwrap();
    } else {
        common::skip(format_args!("tsc_frequency_and_offset (KVM_VCPU_TSC_OFFSET): the attribute is missing"));
    }
    assert!(!m.vcpu.has_device_attr(0x7fff, 0).unwrap(), "an unknown attribute group exists");
}

#[test]
fn kvmclock_ctrl_without_pvclock() {
    let Some(m) = machine("kvmclock_ctrl_without_pvclock") else { return };
    // The guest never enabled kvmclock, so there is nothing to tell it.
    assert_eq!(errno(KVM_KVMCLOCK_CTRL.call(&m.vcpu)), libc::EINVAL);
}

#[test]
fn enable_cap_rejects_address_caps() {
    let Some(m) = machine("enable_cap_rejects_address_caps") else { return };
    let cap = kvm_enable_cap { cap: KVM_CAP_HYPERV_ENLIGHTENED_VMCS, ..Default::default() };
    assert_eq!(m.vcpu.enable_cap(&cap).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    let unknown = kvm_enable_cap { cap: 0xffff, ..Default::default() };
    assert_eq!(m.vm.enable_cap(&unknown).unwrap_err().kind(), io::ErrorKind::InvalidInput);

    // An allowed capability reaches the kernel.
    let split = kvm_enable_cap { cap: KVM_CAP_X86_DISABLE_EXITS, args: [u64::from(KVM_X86_DISABLE_EXITS_HLT), 0, 0, 0], ..Default::default() };
    let vm = m.kvm.create_vm().unwrap();
    match vm.enable_cap(&split) {
        Ok(()) => {}
        Err(error) => assert_eq!(error.raw_os_error(), Some(libc::EINVAL), "{error}"),
    }
}

#[test]
fn evmcs_reaches_kernel() {
    let Some(m) = machine("evmcs_reaches_kernel") else { return };
    // Intel hosts with nested VMX return the version range; others fail in the kernel.
    match m.vcpu.enable_evmcs() {
        Ok(versions) => assert!(versions & 0xff <= versions >> 8, "invalid range {versions:#x}"),
        Err(error) => assert!(error.raw_os_error().is_some(), "{error}"),
    }
}

#[test]
fn one_reg_checks_buffer_size() {
    let Some(m) = machine("one_reg_checks_buffer_size") else { return };
    let id_u64 = KVM_REG_X86 | (3 << KVM_REG_SIZE_SHIFT);
    let mut short = [0u8; 4];
    assert_eq!(m.vcpu.get_one_reg(id_u64, &mut short).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    assert_eq!(m.vcpu.set_one_reg(id_u64, &short).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    // A correctly sized buffer reaches the kernel; Linux 6.1 has no x86 ONE_REG registers.
    let mut value = [0u8; 8];
    if let Err(error) = m.vcpu.get_one_reg(id_u64 | 0xffff, &mut value) {
        assert!(error.raw_os_error().is_some(), "{error}");
    }
}

#[test]
fn vcpu_stats_fd_is_open() {
    let Some(m) = machine("vcpu_stats_fd_is_open") else { return };
    if !has_cap(&m.kvm, KVM_CAP_BINARY_STATS_FD, "vcpu_stats_fd_is_open") {
        return;
    }
    let stats = m.vcpu.stats_fd().unwrap();
    assert!(common::fd_is_open(std::os::fd::AsRawFd::as_raw_fd(&stats)));
}

#[test]
fn xen_attr_types_checked() {
    let Some(m) = machine("xen_attr_types_checked") else { return };
    // Type 9 is KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO_HVA in newer kernels: a host address.
    let attr = kvm_xen_vcpu_attr { type_: 9, ..Default::default() };
    assert_eq!(m.vcpu.xen_set_attr(&attr).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    let attr = kvm_xen_hvm_attr { type_: 6, ..Default::default() };
    assert_eq!(m.vm.xen_hvm_set_attr(&attr).unwrap_err().kind(), io::ErrorKind::InvalidInput);
}
