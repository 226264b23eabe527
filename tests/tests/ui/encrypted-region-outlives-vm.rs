//! An encrypted-region registration borrows its VM, so that the unregistration reaches the
//! same VM: the VM cannot be moved away while the registration exists.

use sev_ioctls::kvm::{GuestMemory, Vm};

fn register(vm: Vm, memory: &GuestMemory) -> std::io::Result<Vm> {
    let pinned = vm.register_encrypted_memory(memory, 0, memory.len())?;
    let moved = vm;
    pinned.unregister()?;
    Ok(moved)
}

fn main() {}
