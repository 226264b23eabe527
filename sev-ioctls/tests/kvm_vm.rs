//! VM and system ioctls on /dev/kvm: interrupt controllers, PIT, clock, eventfds,
//! memory-slot helpers, devices (`&mut` payloads) and the SEV path up to the kernel's
//! refusal on a host without SEV.

#![cfg(target_arch = "x86_64")]

mod common;

use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

use common::{errno, fd_is_open, has_cap, machine, open_kvm, real_mode_runner};
use sev_ioctls::kvm::*;
use sev_ioctls::sev::{launch, SevError};

fn eventfd() -> OwnedFd {
    // SAFETY: eventfd creates a new descriptor and touches no memory of ours.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    assert!(fd >= 0, "eventfd failed: {}", io::Error::last_os_error());
    // SAFETY: `fd` is a new descriptor that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

#[test]
fn check_extension_on_system_and_vm() {
    let Some(kvm) = open_kvm("check_extension_on_system_and_vm") else { return };
    let vm = kvm.create_vm().unwrap();
    assert!(KVM_CHECK_EXTENSION.call(&kvm, KVM_CAP_NR_VCPUS as std::ffi::c_ulong).unwrap() > 0);
    assert!(KVM_CHECK_EXTENSION.call(&vm, KVM_CAP_NR_VCPUS as std::ffi::c_ulong).unwrap() > 0);
    assert_eq!(kvm.check_extension(0xffff).unwrap(), 0);
    assert_eq!(vm.check_extension(0xffff).unwrap(), 0);
    assert_eq!(kvm.api_version().unwrap(), KVM_API_VERSION);
}

#[test]
fn irqchip_round_trip() {
    let Some(m) = machine("irqchip_round_trip") else { return };
    let mut pic = m.vm.irqchip(KVM_IRQCHIP_PIC_MASTER).unwrap();
    assert_eq!(pic.chip_id, KVM_IRQCHIP_PIC_MASTER);
    let mut state = pic.pic();
    state.imr = 0xfb;
    state.irq_base = 0x20;
    pic.chip.pic = state;
    KVM_SET_IRQCHIP.call(&m.vm, &pic).unwrap();
    let back = m.vm.irqchip(KVM_IRQCHIP_PIC_MASTER).unwrap().pic();
    assert_eq!(back.imr, 0xfb);
    assert_eq!(back.irq_base, 0x20);

    let mut ioapic = m.vm.irqchip(KVM_IRQCHIP_IOAPIC).unwrap();
    let mut state = ioapic.ioapic();
    assert_eq!(state.base_address, 0xfec0_0000, "the IOAPIC sits at its default address");
    state.redirtbl[3] = 0x0001_0000 | 0x31; // masked, vector 0x31
    ioapic.chip.ioapic = state;
    KVM_SET_IRQCHIP.call(&m.vm, &ioapic).unwrap();
    assert_eq!(m.vm.irqchip(KVM_IRQCHIP_IOAPIC).unwrap().ioapic().redirtbl[3] & 0x1_00ff, 0x1_0031);
}

#[test]
fn irq_lines_and_msi() {
    let Some(m) = machine("irq_lines_and_msi") else { return };
    m.vm.irq_line(4, true).unwrap();
    m.vm.irq_line(4, false).unwrap();
    let mut level = kvm_irq_level { irq: 4, level: 1 };
    KVM_IRQ_LINE_STATUS.call(&m.vm, &mut level).unwrap();
    // `irq` now holds the delivery status, which is a count, never negative.
    assert!(level.irq as i32 >= 0, "status {}", level.irq as i32);
    if has_cap(&m.kvm, KVM_CAP_SIGNAL_MSI, "irq_lines_and_msi (KVM_SIGNAL_MSI)") {
        let msi = kvm_msi { address_lo: 0xfee0_0000, data: 0x30, ..Default::default() };
        assert!(KVM_SIGNAL_MSI.call(&m.vm, &msi).unwrap() >= 0);
    }
}

#[test]
fn pit_round_trip() {
    let Some(m) = machine("pit_round_trip") else { return };
    let config = kvm_pit_config { flags: KVM_PIT_SPEAKER_DUMMY, ..Default::default() };
    KVM_CREATE_PIT2.call(&m.vm, &config).unwrap();

    let mut pit = kvm_pit_state::default();
    KVM_GET_PIT.call(&m.vm, &mut pit).unwrap();
    pit.channels[2].count = 0x1234;
    pit.channels[2].mode = 3;
    KVM_SET_PIT.call(&m.vm, &pit).unwrap();
    let mut back = kvm_pit_state::default();
    KVM_GET_PIT.call(&m.vm, &mut back).unwrap();
    assert_eq!(back.channels[2].count, 0x1234);
    assert_eq!(back.channels[2].mode, 3);

    let mut pit2 = KVM_GET_PIT2.call(&m.vm).unwrap();
    pit2.channels[0].count = 0x4321;
    KVM_SET_PIT2.call(&m.vm, &pit2).unwrap();
    assert_eq!(KVM_GET_PIT2.call(&m.vm).unwrap().channels[0].count, 0x4321);

    let reinject = kvm_reinject_control { pit_reinject: 0, ..Default::default() };
    KVM_REINJECT_CONTROL.call(&m.vm, &reinject).unwrap();
}

#[test]
fn legacy_pit_creation() {
    let Some(kvm) = open_kvm("legacy_pit_creation") else { return };
    let vm = kvm.create_vm().unwrap();
    KVM_CREATE_IRQCHIP.call(&vm).unwrap();
    KVM_CREATE_PIT.call(&vm).unwrap();
    assert_eq!(errno(KVM_CREATE_PIT.call(&vm)), libc::EEXIST);
}

#[test]
fn clock_round_trip() {
    let Some(m) = machine("clock_round_trip") else { return };
    let clock = m.vm.clock().unwrap();
    let target = kvm_clock_data { clock: clock.clock + 1_000_000_000, ..Default::default() };
    KVM_SET_CLOCK.call(&m.vm, &target).unwrap();
    let back = m.vm.clock().unwrap();
    assert!(back.clock >= target.clock, "the clock went back: {} < {}", back.clock, target.clock);
    assert!(back.clock < target.clock + 60_000_000_000, "the clock jumped: {}", back.clock);
}

#[test]
fn irqfd_and_ioeventfd() {
    let Some(m) = machine("irqfd_and_ioeventfd") else { return };
    let event = eventfd();
    m.vm.irqfd(event.as_fd(), 5).unwrap();
    let deassign = kvm_irqfd {
        fd: event.as_raw_fd() as u32,
        gsi: 5,
        flags: KVM_IRQFD_FLAG_DEASSIGN,
        ..Default::default()
    };
    KVM_IRQFD.call(&m.vm, &deassign).unwrap();

    let io_event = eventfd();
    let mut ioeventfd = kvm_ioeventfd {
        addr: 0x600,
        len: 1,
        fd: io_event.as_raw_fd(),
        flags: KVM_IOEVENTFD_FLAG_PIO,
        ..Default::default()
    };
    KVM_IOEVENTFD.call(&m.vm, &ioeventfd).unwrap();
    ioeventfd.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
    KVM_IOEVENTFD.call(&m.vm, &ioeventfd).unwrap();
}

#[test]
fn vm_setup_ioctls() {
    let Some(kvm) = open_kvm("vm_setup_ioctls") else { return };
    let vm = kvm.create_vm().unwrap();
    KVM_SET_BOOT_CPU_ID.call(&vm, 0).unwrap();
    KVM_SET_TSS_ADDR.call(&vm, 0xfffb_d000).unwrap();
    KVM_SET_IDENTITY_MAP_ADDR.call(&vm, &0xfffb_c000).unwrap();
    KVM_SET_NR_MMU_PAGES.call(&vm, 1024).unwrap();
    match KVM_GET_NR_MMU_PAGES.call(&vm) {
        Ok(pages) => assert!(pages >= 0),
        // Newer kernels no longer serve this deprecated ioctl.
        Err(error) => assert_eq!(error.raw_os_error(), Some(libc::ENOTTY), "{error}"),
    }
    let zone = kvm_coalesced_mmio_zone { addr: 0xd000_0000, size: 0x1000, pio: 0 };
    KVM_REGISTER_COALESCED_MMIO.call(&vm, &zone).unwrap();
    KVM_UNREGISTER_COALESCED_MMIO.call(&vm, &zone).unwrap();
    let _vcpu = vm.create_vcpu(0).unwrap();
    // The boot vCPU cannot change once vCPUs exist.
    assert_eq!(errno(KVM_SET_BOOT_CPU_ID.call(&vm, 0)), libc::EBUSY);
}

#[test]
fn vm_tsc_frequency() {
    let Some(kvm) = open_kvm("vm_tsc_frequency") else { return };
    if !has_cap(&kvm, KVM_CAP_VM_TSC_CONTROL, "vm_tsc_frequency") {
        return;
    }
    let vm = kvm.create_vm().unwrap();
    let khz = KVM_GET_TSC_KHZ.call(&vm).unwrap();
    assert!(khz > 0);
    KVM_SET_TSC_KHZ.call(&vm, khz as std::ffi::c_ulong).unwrap();
}

#[test]
fn msr_filter_checks_bitmaps() {
    let Some(kvm) = open_kvm("msr_filter_checks_bitmaps") else { return };
    if !has_cap(&kvm, KVM_CAP_X86_MSR_FILTER, "msr_filter_checks_bitmaps") {
        return;
    }
    let vm = kvm.create_vm().unwrap();
    let short = [0u8; 4];
    let range = MsrFilterRange { flags: KVM_MSR_FILTER_READ, base: 0x10, nmsrs: 64, bitmap: &short };
    assert_eq!(vm.set_msr_filter(KVM_MSR_FILTER_DEFAULT_ALLOW, &[range]).unwrap_err().kind(), io::ErrorKind::InvalidInput);

    let bitmap = [0xffu8; 8];
    let range = MsrFilterRange { flags: KVM_MSR_FILTER_READ, base: 0x10, nmsrs: 64, bitmap: &bitmap };
    vm.set_msr_filter(KVM_MSR_FILTER_DEFAULT_ALLOW, &[range]).unwrap();
    vm.set_msr_filter(KVM_MSR_FILTER_DEFAULT_ALLOW, &[]).unwrap();
}

#[test]
fn clear_dirty_log_checks_bitmap() {
    let Some(kvm) = open_kvm("clear_dirty_log_checks_bitmap") else { return };
    let vm = kvm.create_vm().unwrap();
    let bitmap = [0u64; 1];
    assert_eq!(vm.clear_dirty_log(0, 0, 65, &bitmap).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    // Slot 0 does not exist, so the kernel rejects the call after reading the payload.
    let error = vm.clear_dirty_log(0, 0, 64, &bitmap).unwrap_err();
    assert!(error.raw_os_error().is_some(), "{error}");
}

#[test]
fn dirty_rings_and_stats() {
    let Some(kvm) = open_kvm("dirty_rings_and_stats") else { return };
    let vm = kvm.create_vm().unwrap();
    // Without dirty rings KVM rejects the reset.
    assert_eq!(errno(KVM_RESET_DIRTY_RINGS.call(&vm)), libc::EINVAL);
    if kvm.check_extension(KVM_CAP_DIRTY_LOG_RING).unwrap() > 0 {
        // A ring of 4096 entries of 16 bytes, enabled before any vCPU exists.
        let ring = kvm_enable_cap { cap: KVM_CAP_DIRTY_LOG_RING, args: [65536, 0, 0, 0], ..Default::default() };
        let vm = kvm.create_vm().unwrap();
        vm.enable_cap(&ring).unwrap();
        let _vcpu = vm.create_vcpu(0).unwrap();
        assert_eq!(KVM_RESET_DIRTY_RINGS.call(&vm).unwrap(), 0, "nothing was dirtied");
    } else {
        common::skip(format_args!("dirty_rings_and_stats (dirty ring): KVM_CAP_DIRTY_LOG_RING is missing"));
    }
    if has_cap(&kvm, KVM_CAP_BINARY_STATS_FD, "dirty_rings_and_stats (stats)") {
        let stats = vm.stats_fd().unwrap();
        assert!(fd_is_open(stats.as_raw_fd()));
    }
}

/// `KVM_CREATE_DEVICE` writes the new fd into the payload, which the call takes as
/// `&mut`; the field must hold an open descriptor afterwards, also in release builds.
#[test]
fn create_device_writes_fd() {
    let Some(kvm) = open_kvm("create_device_writes_fd") else { return };
    let vm = kvm.create_vm().unwrap();
    let mut device = kvm_create_device { type_: KVM_DEV_TYPE_VFIO, fd: 0xFFFF_FFFF, flags: 0 };
    match KVM_CREATE_DEVICE.call(&vm, &mut device) {
        Ok(()) => {}
        Err(error) if error.raw_os_error() == Some(libc::ENODEV) => {
            common::skip(format_args!("create_device_writes_fd: KVM has no VFIO device ({error})"));
            return;
        }
        Err(error) => panic!("KVM_CREATE_DEVICE failed: {error}"),
    }
    assert_ne!(device.fd, 0xFFFF_FFFF, "the kernel's fd did not reach the payload");
    let fd = std::os::fd::RawFd::try_from(device.fd).expect("a valid fd number");
    assert!(fd_is_open(fd), "fd {fd} from KVM_CREATE_DEVICE is not open");
    // SAFETY: the kernel created `fd` for this call; nothing else owns it.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });

    let mut test_only = kvm_create_device { type_: KVM_DEV_TYPE_VFIO, fd: 0xFFFF_FFFF, flags: KVM_CREATE_DEVICE_TEST };
    KVM_CREATE_DEVICE.call(&vm, &mut test_only).unwrap();
}

#[test]
fn device_handle_attributes() {
    let Some(kvm) = open_kvm("device_handle_attributes") else { return };
    let vm = kvm.create_vm().unwrap();
    let device = match vm.create_device(KVM_DEV_TYPE_VFIO) {
        Ok(device) => device,
        Err(error) if error.raw_os_error() == Some(libc::ENODEV) => {
            common::skip(format_args!("device_handle_attributes: KVM has no VFIO device ({error})"));
            return;
        }
        Err(error) => panic!("create_device failed: {error}"),
    };
    assert!(device.has_attr(KVM_DEV_VFIO_GROUP, KVM_DEV_VFIO_GROUP_ADD).unwrap());
    assert!(!device.has_attr(0x7fff, 0).unwrap());
    // An eventfd is not a VFIO group, so the kernel rejects it after reading the fd.
    let not_a_group = eventfd();
    let error = device.vfio_group_add(not_a_group.as_fd()).unwrap_err();
    assert!(error.raw_os_error().is_some(), "{error}");
}

#[test]
fn system_attributes() {
    let Some(kvm) = open_kvm("system_attributes") else { return };
    if !has_cap(&kvm, KVM_CAP_SYS_ATTRIBUTES, "system_attributes") {
        return;
    }
    assert!(kvm.has_device_attr(0, KVM_X86_XCOMP_GUEST_SUPP).unwrap());
    let features = kvm.xcomp_guest_supp().unwrap();
    assert_eq!(features & 0b11, 0b11, "x87 and SSE are always allowed: {features:#x}");
}

#[test]
fn encrypted_region_needs_sev_guest() {
    let Some(kvm) = open_kvm("encrypted_region_needs_sev_guest") else { return };
    let vm = kvm.create_vm().unwrap();
    let memory = GuestMemory::new(0x4000).unwrap();
    // A VM that is not an SEV guest serves neither region ioctl.
    assert_eq!(errno(vm.register_encrypted_memory(&memory, 0, 0x4000)), libc::ENOTTY);

    let region = vm.set_user_memory_region(0, 0, memory, 0).unwrap();
    assert_eq!(errno(region.register_encrypted()), libc::ENOTTY);

    let error = vm.register_encrypted_memory(region.memory(), 0x1000, 0x4000).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "a range past the memory is rejected first: {error}");
}

#[test]
fn dirty_log_records_guest_write() {
    let Some(kvm) = open_kvm("dirty_log_records_guest_write") else { return };
    let vm = kvm.create_vm().unwrap();
    let memory = GuestMemory::new(0x10000).unwrap();
    // mov byte [0x3000], 1 ; hlt (real mode)
    memory.write_at(0x1000, b"\xc6\x06\x00\x30\x01\xf4").unwrap();
    let region = vm.set_user_memory_region(0, 0, memory, KVM_MEM_LOG_DIRTY_PAGES).unwrap();
    assert_eq!(region.dirty_log().unwrap(), vec![0u64], "16 pages fit one word, and none is dirty yet");

    let mut vcpu = real_mode_runner(&kvm, &vm, 0x1000);
    assert!(matches!(vcpu.run().unwrap(), Exit::Hlt));

    let mut byte = [0u8];
    region.memory().read_at(0x3000, &mut byte).unwrap();
    assert_eq!(byte, [1], "the guest wrote its byte");
    let bitmap = region.dirty_log().unwrap();
    assert_eq!(bitmap.len(), 1);
    assert_ne!(bitmap[0] & (1 << 3), 0, "page 3 (0x3000) is dirty: {:#x}", bitmap[0]);
    assert_eq!(region.dirty_log().unwrap(), vec![0u64], "reading the log starts a new one");

    let unlogged = GuestMemory::new(0x1000).unwrap();
    let unlogged = vm.set_user_memory_region(1, 0x100000, unlogged, 0).unwrap();
    assert_eq!(errno(unlogged.dirty_log()), libc::ENOENT, "a slot without KVM_MEM_LOG_DIRTY_PAGES has no log");
}

/// On a host without SEV, `KVM_MEMORY_ENCRYPT_OP` fails in the kernel with ENOTTY before
/// any firmware status exists, so the error is an OS error, not a firmware error.
#[test]
fn sev_init_without_sev_is_enotty() {
    let Some(kvm) = open_kvm("sev_init_without_sev_is_enotty") else { return };
    if std::path::Path::new("/dev/sev").exists() {
        common::skip(format_args!("sev_init_without_sev_is_enotty: this host has /dev/sev"));
        return;
    }
    let vm = kvm.create_vm().unwrap();
    let error = vm.sev_command(None, &mut launch::Init).unwrap_err();
    match &error {
        SevError::Os(os) => assert_eq!(os.raw_os_error(), Some(libc::ENOTTY), "{error}"),
        other => panic!("expected an OS error, got {other:?}"),
    }
    assert_eq!(error.status(), None);
    assert_eq!(error.raw_os_error(), Some(25));

    // A command with a payload takes the same path.
    let mut measure = launch::LaunchMeasure::query();
    assert_eq!(vm.sev_command(None, &mut measure).unwrap_err().raw_os_error(), Some(libc::ENOTTY));
}

#[test]
fn guest_memfd_where_supported() {
    let Some(kvm) = open_kvm("guest_memfd_where_supported") else { return };
    if kvm.check_extension(KVM_CAP_GUEST_MEMFD).unwrap() <= 0 {
        common::skip(format_args!("guest_memfd_where_supported: KVM_CAP_GUEST_MEMFD is missing"));
        return;
    }
    let types = kvm.check_extension(KVM_CAP_VM_TYPES).unwrap();
    println!("KVM_CAP_VM_TYPES: {types:#x}");
    let vm_type = if types & (1 << KVM_X86_SW_PROTECTED_VM) != 0 { KVM_X86_SW_PROTECTED_VM } else { KVM_X86_DEFAULT_VM };
    let vm = KVM_CREATE_VM.call(&kvm, vm_type as std::ffi::c_ulong).unwrap();
    match vm.create_guest_memfd(0x10000, 0) {
        Ok(memfd) => assert!(fd_is_open(memfd.as_raw_fd())),
        Err(error) => common::skip(format_args!("guest_memfd_where_supported: KVM_CREATE_GUEST_MEMFD on VM type {vm_type}: {error}")),
    }
    let attributes = kvm_memory_attributes { address: 0, size: 0x1000, attributes: KVM_MEMORY_ATTRIBUTE_PRIVATE, flags: 0 };
    if let Err(error) = KVM_SET_MEMORY_ATTRIBUTES.call(&vm, &attributes) {
        assert!(error.raw_os_error().is_some(), "{error}");
    }
}
