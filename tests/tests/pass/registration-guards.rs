//! Registration guards in the order that the borrows allow: the encrypted range is
//! unregistered before its memory slot is deleted, and the slot before its VM closes.

use sev_ioctls::kvm::{EncryptedRegion, GuestMemory, Kvm, MemoryRegion, Vm};
use sev_ioctls::sev::launch::LaunchUpdateData;

fn launch(kvm: &Kvm) -> std::io::Result<()> {
    let vm: Vm = kvm.create_vm()?;
    let region: MemoryRegion<'_> = vm.set_user_memory_region(0, 0, GuestMemory::new(0x10000)?, 0)?;
    let pinned: EncryptedRegion<'_> = region.register_encrypted()?;
    vm.sev_command(None, &mut LaunchUpdateData::guest(region.memory(), 0x1000, 0x1000))?;
    let _dirty = region.dirty_log()?;
    pinned.unregister()?;
    drop(region);
    drop(vm);
    Ok(())
}

fn main() {
    let _ = launch;
}
