//! Payloads that end in a flexible array, on a real /dev/kvm: E2BIG headers and growing,
//! MSR and CPUID round trips, GSI routing, the signal mask, the PMU event filter, the
//! register list and nested state.

#![cfg(target_arch = "x86_64")]

mod common;

use std::io;

use common::{errno, has_cap, machine, open_kvm};
use ioctl_core::{Flex, FlexHeader};
use sev_ioctls::kvm::*;

/// `IA32_TIME_STAMP_COUNTER`, which every x86 KVM lists.
const MSR_IA32_TSC: u32 = 0x10;
/// `IA32_SYSENTER_CS`, a plain read-write MSR.
const MSR_IA32_SYSENTER_CS: u32 = 0x174;
/// `IA32_SYSENTER_ESP`.
const MSR_IA32_SYSENTER_ESP: u32 = 0x175;
/// An MSR index that KVM does not implement, so reads stop there.
const MSR_UNKNOWN: u32 = 0x4000_7fff;

#[test]
fn msr_list_e2big_reports_needed_count() {
    let Some(kvm) = open_kvm("msr_list_e2big_reports_needed_count") else { return };
    assert_eq!(KVM_GET_MSR_INDEX_LIST.request(), 0xC004_AE02, "the number encodes the 4-byte header only");

    let mut empty = Flex::<kvm_msr_list>::with_capacity(0).unwrap();
    let error = KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut empty).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::E2BIG), "{error}");
    let needed = empty.header().len();
    assert!(needed > 0, "the kernel wrote the needed count into the header");
    assert!(empty.elements().is_empty(), "no element is visible beyond the capacity of 0");

    let mut list = Flex::<kvm_msr_list>::with_capacity(needed).unwrap();
    KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut list).unwrap();
    assert_eq!(list.elements().len(), needed);
    assert!(list.elements().contains(&MSR_IA32_TSC), "MSR_IA32_TSC is listed");
    assert!(list.elements().contains(&MSR_IA32_SYSENTER_CS), "MSR_IA32_SYSENTER_CS is listed");

    assert_eq!(kvm.msr_index_list().unwrap(), list.elements(), "the growing wrapper returns the same list");
}

#[test]
fn cpuid_grows_until_it_fits() {
    let Some(kvm) = open_kvm("cpuid_grows_until_it_fits") else { return };
    assert_eq!(KVM_GET_SUPPORTED_CPUID.request(), 0xC008_AE05, "the number encodes the 8-byte header only");

    let mut one = Flex::<kvm_cpuid2>::with_capacity(1).unwrap();
    let error = KVM_GET_SUPPORTED_CPUID.call(&kvm, &mut one).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::E2BIG), "{error}");
    assert_eq!(one.header().nent, 1, "the kernel does not write back nent on E2BIG");

    let ((), cpuid) = KVM_GET_SUPPORTED_CPUID.call_growing(&kvm, 1, 256).unwrap();
    let entries = cpuid.elements();
    assert!(entries.len() > 1, "{} entries", entries.len());
    assert!(cpuid.capacity() <= 256);
    assert!(entries.iter().any(|entry| entry.function == 0), "leaf 0 is listed");

    let error = KVM_GET_SUPPORTED_CPUID.call_growing(&kvm, 1, 2).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::E2BIG), "too small a maximum returns the last E2BIG");

    let wrapped = kvm.supported_cpuid().unwrap();
    assert_eq!(wrapped.elements(), entries, "the wrapper returns the same leaves");
}

#[test]
fn emulated_cpuid_lists_leaves() {
    let Some(kvm) = open_kvm("emulated_cpuid_lists_leaves") else { return };
    if !has_cap(&kvm, KVM_CAP_EXT_EMUL_CPUID, "emulated_cpuid_lists_leaves") {
        return;
    }
    let cpuid = kvm.emulated_cpuid().unwrap();
    assert!(!cpuid.elements().is_empty(), "KVM emulates at least MOVBE or RDPID");
    assert!(cpuid.elements().len() <= KVM_MAX_CPUID_ENTRIES);
}

#[test]
fn feature_msrs_read_on_system_fd() {
    let Some(kvm) = open_kvm("feature_msrs_read_on_system_fd") else { return };
    if !has_cap(&kvm, KVM_CAP_GET_MSR_FEATURES, "feature_msrs_read_on_system_fd") {
        return;
    }
    let indices = kvm.msr_feature_index_list().unwrap();
    assert!(!indices.is_empty());
    let entries = kvm.feature_msrs(&indices).unwrap();
    assert_eq!(entries.len(), indices.len(), "every listed feature MSR is readable");
    let read: Vec<u32> = entries.iter().map(|entry| entry.index).collect();
    assert_eq!(read, indices);
}

#[test]
fn msrs_round_trip() {
    let Some(m) = machine("msrs_round_trip") else { return };
    let written = [
        kvm_msr_entry { index: MSR_IA32_SYSENTER_CS, data: 0x10, ..Default::default() },
        kvm_msr_entry { index: MSR_IA32_SYSENTER_ESP, data: 0xffff_8000_0000_1000, ..Default::default() },
    ];
    assert_eq!(m.vcpu.set_msrs(&written).unwrap(), 2, "KVM_SET_MSRS returns the number written");

    let read = m.vcpu.get_msrs(&[MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP]).unwrap();
    assert_eq!(read, written);

    // By hand: KVM_GET_MSRS returns the count and writes the values into the entries.
    let request = [kvm_msr_entry { index: MSR_IA32_SYSENTER_CS, ..Default::default() }];
    let mut msrs = Flex::from_elements(kvm_msrs::default(), &request).unwrap();
    assert_eq!(KVM_GET_MSRS.call(&m.vcpu, &mut msrs).unwrap(), 1);
    assert_eq!(msrs.elements()[0].data, 0x10);
}

#[test]
fn msrs_stop_at_unknown_index() {
    let Some(m) = machine("msrs_stop_at_unknown_index") else { return };
    let read = m.vcpu.get_msrs(&[MSR_IA32_SYSENTER_CS, MSR_UNKNOWN, MSR_IA32_SYSENTER_ESP]).unwrap();
    assert_eq!(read.len(), 1, "the kernel stops at the unknown MSR: {read:?}");
    assert_eq!(read[0].index, MSR_IA32_SYSENTER_CS);
}

#[test]
fn overclaimed_count_never_reaches_kernel() {
    let Some(m) = machine("overclaimed_count_never_reaches_kernel") else { return };
    let mut msrs = Flex::<kvm_msrs>::with_capacity(1).unwrap();
    msrs.elements_mut()[0].index = MSR_IA32_SYSENTER_CS;
    msrs.header_mut().nmsrs = 1000;
    let error = KVM_SET_MSRS.call(&m.vcpu, &msrs).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
    assert_eq!(error.raw_os_error(), None, "rejected before the system call");
    let error = KVM_GET_MSRS.call(&m.vcpu, &mut msrs).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
}

#[test]
fn cpuid2_round_trip() {
    let Some(m) = machine("cpuid2_round_trip") else { return };
    let supported = m.kvm.supported_cpuid().unwrap();
    m.vcpu.set_cpuid2(supported.elements()).unwrap();

    let back = m.vcpu.cpuid2().unwrap();
    assert_eq!(back.elements().len(), supported.elements().len());
    let leaves = |entries: &[kvm_cpuid_entry2]| -> Vec<(u32, u32)> {
        entries.iter().map(|entry| (entry.function, entry.index)).collect()
    };
    assert_eq!(leaves(back.elements()), leaves(supported.elements()));
    // KVM adjusts some leaves at run time (APIC id, OSXSAVE), never the vendor leaf.
    let vendor = |entries: &[kvm_cpuid_entry2]| entries.iter().find(|entry| entry.function == 0).copied();
    assert_eq!(vendor(back.elements()), vendor(supported.elements()));

    // By hand: one entry of room is too little, and `nent` stays as it was.
    let mut one = Flex::<kvm_cpuid2>::with_capacity(1).unwrap();
    assert_eq!(errno(KVM_GET_CPUID2.call(&m.vcpu, &mut one)), libc::E2BIG);
    assert_eq!(one.header().nent, 1);
}

#[test]
fn legacy_set_cpuid_accepts_leaves() {
    let Some(m) = machine("legacy_set_cpuid_accepts_leaves") else { return };
    let supported = m.kvm.supported_cpuid().unwrap();
    let legacy: Vec<kvm_cpuid_entry> = supported
        .elements()
        .iter()
        .filter(|entry| entry.index == 0)
        .map(|entry| kvm_cpuid_entry {
            function: entry.function,
            eax: entry.eax,
            ebx: entry.ebx,
            ecx: entry.ecx,
            edx: entry.edx,
            padding: 0,
        })
        .collect();
    let cpuid = Flex::from_elements(kvm_cpuid::default(), &legacy).unwrap();
    KVM_SET_CPUID.call(&m.vcpu, &cpuid).unwrap();
    let back = m.vcpu.cpuid2().unwrap();
    assert_eq!(back.elements().len(), legacy.len(), "the legacy format sets one entry per leaf");
}

#[test]
fn signal_mask_length_checked_by_kernel() {
    let Some(m) = machine("signal_mask_length_checked_by_kernel") else { return };
    m.vcpu.set_signal_mask(1 << (libc::SIGUSR1 - 1)).unwrap();
    m.vcpu.set_signal_mask(0).unwrap();

    // Four bytes are not the kernel's 8-byte sigset_t.
    let short = Flex::from_elements(kvm_signal_mask::default(), &[0u8; 4]).unwrap();
    assert_eq!(short.header().len, 4);
    assert_eq!(errno(KVM_SET_SIGNAL_MASK.call(&m.vcpu, &short)), libc::EINVAL);
}

#[test]
fn gsi_routing_replaces_table() {
    let Some(m) = machine("gsi_routing_replaces_table") else { return };
    let routes = [
        kvm_irq_routing_entry::irqchip(0, KVM_IRQCHIP_IOAPIC, 2),
        kvm_irq_routing_entry::irqchip(4, KVM_IRQCHIP_PIC_MASTER, 4),
        kvm_irq_routing_entry::irqchip(4, KVM_IRQCHIP_IOAPIC, 4),
        kvm_irq_routing_entry::msi(24, 0xfee0_0000, 0x31),
    ];
    assert_eq!(routes[3].msi_route().address_lo, 0xfee0_0000);
    assert_eq!(routes[1].irqchip_route(), kvm_irq_routing_irqchip { irqchip: KVM_IRQCHIP_PIC_MASTER, pin: 4 });
    m.vm.set_gsi_routing(&routes).unwrap();
    // GSI 24 now exists as an MSI route, so raising it is accepted.
    m.vm.irq_line(24, true).unwrap();

    let mut flagged = Flex::from_elements(kvm_irq_routing::default(), &routes).unwrap();
    flagged.header_mut().flags = 1;
    assert_eq!(errno(KVM_SET_GSI_ROUTING.call(&m.vm, &flagged)), libc::EINVAL, "flags must be 0");

    let unknown = kvm_irq_routing_entry { gsi: 1, type_: KVM_IRQ_ROUTING_S390_ADAPTER, ..Default::default() };
    assert_eq!(errno(m.vm.set_gsi_routing(&[unknown])), libc::EINVAL, "x86 rejects s390 adapter routes");

    let vm_without_irqchip = m.kvm.create_vm().unwrap();
    assert_eq!(errno(vm_without_irqchip.set_gsi_routing(&routes)), libc::EINVAL, "routing needs an irqchip");
}

#[test]
fn pmu_event_filter_sets_events() {
    let Some(kvm) = open_kvm("pmu_event_filter_sets_events") else { return };
    if !has_cap(&kvm, KVM_CAP_PMU_EVENT_FILTER, "pmu_event_filter_sets_events") {
        return;
    }
    let vm = kvm.create_vm().unwrap();
    // Event select 0x3c with unit mask 0 (unhalted core cycles on Intel).
    vm.set_pmu_event_filter(KVM_PMU_EVENT_DENY, &[0x3c]).unwrap();
    vm.set_pmu_event_filter(KVM_PMU_EVENT_ALLOW, &[]).unwrap();
    let error = vm.set_pmu_event_filter(7, &[0x3c]).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
}

#[test]
fn reg_list_where_supported() {
    let Some(m) = machine("reg_list_where_supported") else { return };
    let ids = match m.vcpu.reg_list() {
        Ok(ids) => ids,
        Err(error) if error.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(format_args!("reg_list_where_supported: this kernel has no KVM_GET_REG_LIST for x86 ({error})"));
            return;
        }
        Err(error) => panic!("KVM_GET_REG_LIST failed: {error}"),
    };
    println!("KVM_GET_REG_LIST: {} register ids", ids.len());
    for &id in &ids {
        let size = 1usize << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
        let mut value = vec![0u8; size];
        m.vcpu.get_one_reg(id, &mut value).unwrap_or_else(|error| panic!("KVM_GET_ONE_REG {id:#x}: {error}"));
    }

    // By hand, with no room: either the list is empty, or the kernel reports its length.
    let mut empty = Flex::<kvm_reg_list>::with_capacity(0).unwrap();
    match KVM_GET_REG_LIST.call(&m.vcpu, &mut empty) {
        Ok(()) => assert!(ids.is_empty(), "an empty buffer succeeded, but {} ids exist", ids.len()),
        Err(error) => {
            assert_eq!(error.raw_os_error(), Some(libc::E2BIG), "{error}");
            assert_eq!(empty.header().n as usize, ids.len());
        }
    }
}

#[test]
fn nested_state_round_trip() {
    let Some(m) = machine("nested_state_round_trip") else { return };
    let max = m.kvm.check_extension(KVM_CAP_NESTED_STATE).unwrap();
    if max <= 0 {
        common::skip(format_args!("nested_state_round_trip: KVM_CAP_NESTED_STATE is 0, nested virtualization is off on this host"));
        return;
    }
    let state = m.vcpu.nested_state().unwrap();
    let header = *state.header();
    assert!(header.size as usize >= size_of::<kvm_nested_state>(), "{header:?}");
    assert!(header.size as i64 <= i64::from(max), "{header:?} is larger than KVM_CAP_NESTED_STATE {max}");
    assert!(
        header.format == KVM_STATE_NESTED_FORMAT_VMX || header.format == KVM_STATE_NESTED_FORMAT_SVM,
        "{header:?}"
    );

    let mut restore = Flex::<kvm_nested_state>::with_capacity(state.header().len()).unwrap();
    *restore.header_mut() = header;
    restore.elements_mut().copy_from_slice(&state.elements()[..header.size as usize - size_of::<kvm_nested_state>()]);
    KVM_SET_NESTED_STATE.call(&m.vcpu, &restore).unwrap();
}

#[test]
fn nested_state_size_counts_header() {
    let mut state = Flex::<kvm_nested_state>::with_capacity(4096).unwrap();
    assert_eq!(state.header().size, 128 + 4096, "size counts the 128-byte header and the data");
    assert_eq!(state.elements().len(), 4096);
    state.header_mut().size = 100;
    assert_eq!(state.header().len(), 0, "a size below the header counts no data");
    state.header_mut().size = 128 + 4097;
    assert_eq!(state.header().len(), 4097);
    assert_eq!(state.elements().len(), 4096, "never more than the capacity");
}

#[test]
fn hv_cpuid_where_supported() {
    let Some(m) = machine("hv_cpuid_where_supported") else { return };
    if !has_cap(&m.kvm, KVM_CAP_HYPERV_CPUID, "hv_cpuid_where_supported") {
        return;
    }
    let cpuid = m.vcpu.supported_hv_cpuid().unwrap();
    assert!(cpuid.elements().iter().any(|entry| entry.function == 0x4000_0000), "the Hyper-V vendor leaf is listed");
    if m.kvm.check_extension(KVM_CAP_SYS_HYPERV_CPUID).unwrap() > 0 {
        assert_eq!(m.kvm.supported_hv_cpuid().unwrap().elements().len(), cpuid.elements().len());
    }
}
