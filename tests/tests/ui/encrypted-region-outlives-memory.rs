//! An encrypted-region registration borrows the memory slot whose pages the kernel keeps
//! pinned: the slot, and with it the memory, cannot be dropped first.

use sev_ioctls::kvm::{GuestMemory, Vm};

fn register(vm: &Vm) -> std::io::Result<()> {
    let region = vm.set_user_memory_region(0, 0, GuestMemory::new(0x1000)?, 0)?;
    let pinned = region.register_encrypted()?;
    drop(region);
    pinned.unregister()
}

fn main() {}
