//! A memory slot borrows its VM: the VM cannot be dropped while the kernel maps the slot's
//! memory into it.

use sev_ioctls::kvm::{GuestMemory, Kvm};

fn slot(kvm: &Kvm) -> std::io::Result<u32> {
    let vm = kvm.create_vm()?;
    let region = vm.set_user_memory_region(0, 0, GuestMemory::new(0x1000)?, 0)?;
    drop(vm);
    Ok(region.slot())
}

fn main() {}
