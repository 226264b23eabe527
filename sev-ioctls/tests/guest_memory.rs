//! `GuestMemory` and its registration: range checks, copies from several host threads at
//! once, a host thread reading while the guest writes, and slots registered with
//! `KVM_SET_USER_MEMORY_REGION2`.

mod common;

use std::io;

use sev_ioctls::kvm::{
    Exit, GuestMemory, MemoryRegion, KVM_CAP_GUEST_MEMFD, KVM_CAP_USER_MEMORY2, KVM_CAP_VM_TYPES, KVM_CREATE_VM,
    KVM_MEM_GUEST_MEMFD, KVM_X86_SW_PROTECTED_VM,
};

use common::{errno, has_cap, open_kvm, real_mode_runner};

const PAGE: usize = 4096;

#[test]
fn sizes_and_ranges_are_checked() {
    for len in [0, 1, PAGE - 1, PAGE + 1] {
        let error = GuestMemory::new(len).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "size {len}: {error}");
    }
    let memory = GuestMemory::new(2 * PAGE).unwrap();
    assert_eq!(memory.len(), 2 * PAGE);
    assert!(!memory.is_empty());

    // The last byte is reachable, one byte further is not, and an offset that overflows
    // when the length is added is rejected rather than wrapped.
    memory.write_at(2 * PAGE - 1, &[0xAB]).unwrap();
    let mut last = [0u8];
    memory.read_at(2 * PAGE - 1, &mut last).unwrap();
    assert_eq!(last, [0xAB]);
    let invalid = |result: io::Result<()>| assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    let mut two = [0u8; 2];
    invalid(memory.write_at(2 * PAGE, &[1]));
    invalid(memory.read_at(2 * PAGE - 1, &mut two));
    invalid(memory.write_at(usize::MAX, &[1, 2]));
    invalid(memory.read_at(usize::MAX, &mut two));
    invalid(memory.read_at(0, &mut vec![0u8; 2 * PAGE + 1]));

    // An empty copy at the very end is inside the memory.
    memory.write_at(2 * PAGE, &[]).unwrap();
    memory.read_at(2 * PAGE, &mut []).unwrap();

    // Fresh memory reads as zeros.
    let mut first = vec![0xFFu8; PAGE];
    memory.read_at(0, &mut first).unwrap();
    assert!(first.iter().all(|&byte| byte == 0));
}

#[test]
fn threads_copy_through_a_shared_reference() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 200;
    let memory = GuestMemory::new(4 * PAGE).unwrap();
    std::thread::scope(|scope| {
        for id in 0..THREADS {
            let memory = &memory;
            scope.spawn(move || {
                let own = vec![id as u8 + 1; PAGE / THREADS];
                let shared = vec![id as u8 + 1; PAGE];
                let mut seen = vec![0u8; PAGE];
                for _ in 0..ROUNDS {
                    // Each thread owns a quarter of page 0; all of them write page 1.
                    memory.write_at(id * PAGE / THREADS, &own).unwrap();
                    memory.write_at(PAGE, &shared).unwrap();
                    memory.read_at(PAGE, &mut seen).unwrap();
                    assert!(seen.iter().all(|&byte| (1..=THREADS as u8).contains(&byte)), "only written values appear");
                }
            });
        }
    });
    let mut page = vec![0u8; PAGE];
    memory.read_at(0, &mut page).unwrap();
    for (index, chunk) in page.chunks(PAGE / THREADS).enumerate() {
        assert!(chunk.iter().all(|&byte| byte == index as u8 + 1), "quarter {index} holds its thread's bytes");
    }
}

/// mov ecx, 0x40000 ; l: inc dword [0x3000] ; dec ecx ; jnz l ; hlt (real mode)
const COUNT_TO_0X40000: &[u8] = b"\x66\xb9\x00\x00\x04\x00\x66\xff\x06\x00\x30\x66\x49\x75\xf7\xf4";

fn counter(region: &MemoryRegion) -> u32 {
    let mut bytes = [0u8; 4];
    region.memory().read_at(0x3000, &mut bytes).unwrap();
    u32::from_le_bytes(bytes)
}

#[test]
fn host_thread_reads_while_the_guest_writes() {
    let Some(kvm) = open_kvm("host_thread_reads_while_the_guest_writes") else { return };
    let vm = kvm.create_vm().unwrap();
    let memory = GuestMemory::new(0x10000).unwrap();
    memory.write_at(0x1000, COUNT_TO_0X40000).unwrap();
    let region = vm.set_user_memory_region(0, 0, memory, 0).unwrap();
    let mut vcpu = real_mode_runner(&kvm, &vm, 0x1000);

    let (exit, reads) = std::thread::scope(|scope| {
        let region = &region;
        let reader = scope.spawn(move || {
            let mut reads = 0u64;
            while counter(region) < 0x40000 {
                reads += 1;
                std::hint::spin_loop();
            }
            reads
        });
        let exit = format!("{:?}", vcpu.run().unwrap());
        (exit, reader.join().unwrap())
    });
    assert_eq!(exit, format!("{:?}", Exit::Hlt));
    assert_eq!(counter(&region), 0x40000, "the guest's last write is visible to the host");
    println!("the host thread read the counter {reads} times while the guest ran");
}

#[test]
fn region2_runs_a_guest_and_deletes_its_slot() {
    let Some(kvm) = open_kvm("region2_runs_a_guest_and_deletes_its_slot") else { return };
    if !has_cap(&kvm, KVM_CAP_USER_MEMORY2, "region2_runs_a_guest_and_deletes_its_slot") {
        return;
    }
    let vm = kvm.create_vm().unwrap();

    // The flag without a guest_memfd never reaches the kernel.
    let error = vm.set_user_memory_region2(0, 0, GuestMemory::new(PAGE).unwrap(), KVM_MEM_GUEST_MEMFD, None).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");

    let memory = GuestMemory::new(0x10000).unwrap();
    // mov byte [0x3000], 1 ; hlt (real mode)
    memory.write_at(0x1000, b"\xc6\x06\x00\x30\x01\xf4").unwrap();
    let region = vm.set_user_memory_region2(0, 0, memory, 0, None).unwrap();
    assert_eq!((region.slot(), region.guest_phys_addr()), (0, 0));
    let mut vcpu = real_mode_runner(&kvm, &vm, 0x1000);
    assert!(matches!(vcpu.run().unwrap(), Exit::Hlt));
    let mut byte = [0u8];
    region.memory().read_at(0x3000, &mut byte).unwrap();
    assert_eq!(byte, [1], "the guest wrote through the slot");

    // Another host address for a slot that exists is refused; after the region is
    // dropped the slot is free again.
    assert_eq!(errno(vm.set_user_memory_region2(0, 0, GuestMemory::new(0x10000).unwrap(), 0, None)), libc::EINVAL);
    drop(region);
    let again = vm.set_user_memory_region2(0, 0, GuestMemory::new(0x10000).unwrap(), 0, None).unwrap();
    drop(again);
    // A slot made by one ioctl can be made again by the other once it is deleted.
    vm.set_user_memory_region(0, 0, GuestMemory::new(0x10000).unwrap(), 0).unwrap();
}

#[test]
fn region2_backs_private_pages_with_guest_memfd() {
    let test = "region2_backs_private_pages_with_guest_memfd";
    let Some(kvm) = open_kvm(test) else { return };
    if !has_cap(&kvm, KVM_CAP_USER_MEMORY2, test) || !has_cap(&kvm, KVM_CAP_GUEST_MEMFD, test) {
        return;
    }
    let types = kvm.check_extension(KVM_CAP_VM_TYPES).unwrap();
    if types & (1 << KVM_X86_SW_PROTECTED_VM) == 0 {
        common::skip(format_args!(
            "{test}: KVM_CAP_VM_TYPES is {types:#x} without KVM_X86_SW_PROTECTED_VM, the only private-memory VM type a host without SEV-SNP or TDX offers"
        ));
        return;
    }
    let vm = KVM_CREATE_VM.call(&kvm, KVM_X86_SW_PROTECTED_VM as std::ffi::c_ulong).unwrap();
    let memfd = vm.create_guest_memfd(0x20000, 0).unwrap();

    let region = vm.set_user_memory_region2(0, 0, GuestMemory::new(0x10000).unwrap(), 0, Some((&memfd, 0x10000))).unwrap();
    // A range past the end of the guest_memfd and an unaligned offset are refused.
    assert_eq!(errno(vm.set_user_memory_region2(1, 0x10_0000, GuestMemory::new(0x10000).unwrap(), 0, Some((&memfd, 0x18000)))), libc::EINVAL);
    assert_eq!(errno(vm.set_user_memory_region2(1, 0x10_0000, GuestMemory::new(PAGE).unwrap(), 0, Some((&memfd, 1)))), libc::EINVAL);

    // The guest_memfd may close first; the slot is still deleted when the region drops.
    drop(memfd);
    drop(region);
    vm.set_user_memory_region2(0, 0, GuestMemory::new(0x10000).unwrap(), 0, None).unwrap();
}
