//! Memory-encryption ioctls of VM fds. On AMD hosts `KVM_MEMORY_ENCRYPT_OP` carries the
//! SEV commands of [`crate::sev::launch`], and [`EncryptedRegion`] registers guest memory
//! with `KVM_MEMORY_ENCRYPT_REG_REGION` for as long as it lives.

use std::ffi::c_ulong;
use std::fmt;
use std::io;
use std::marker::PhantomData;

use ioctl_core::ioctl;

use super::{kvm_enc_region, kvm_sev_cmd, GuestMemory, MemoryRegion, Vm};

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` of Linux 6.1 and what the
    // kernel does with the payload (see each item); the header test compares each number
    // and payload layout. The kernel keeps the range of KVM_MEMORY_ENCRYPT_REG_REGION after
    // the call without accessing memory through it; both region ioctls are private and
    // reached only through `EncryptedRegion`, whose documentation gives the argument.
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_ENCRYPT_IOCTLS;

        /// Runs a platform-specific memory-encryption command; on AMD hosts the payload is
        /// a `kvm_sev_cmd`, whose `data` is the address of the command's own payload, so
        /// this is reached through [`Vm::sev_command`].
        ///
        /// The header sizes the number by `unsigned long` (`#define KVM_MEMORY_ENCRYPT_OP
        /// _IOWR(KVMIO, 0xba, unsigned long)`), while the payload is a 24-byte
        /// `kvm_sev_cmd`; `size c_ulong` keeps the kernel's number, 0xC008AEBA.
        pub(crate) readwrite KVM_MEMORY_ENCRYPT_OP = 0xBA => kvm_sev_cmd size c_ulong on Vm -> zero;
        /// Pins a range of the process's memory for an encrypted guest until it is
        /// unregistered or the VM is destroyed. The kernel keeps the range after the call,
        /// so this is reached through [`EncryptedRegion`], whose borrows keep the memory
        /// mapped and the VM open for as long as the range is registered.
        ///
        /// The header encodes it `_IOR` (`#define KVM_MEMORY_ENCRYPT_REG_REGION _IOR(KVMIO,
        /// 0xbb, struct kvm_enc_region)`), but the kernel only reads the payload, so the
        /// call borrows it.
        pub(crate) read KVM_MEMORY_ENCRYPT_REG_REGION = 0xBB => kvm_enc_region as write on Vm -> zero;
        /// Unpins a range pinned with [`KVM_MEMORY_ENCRYPT_REG_REGION`]; reached through
        /// [`EncryptedRegion`], which unregisters its range when dropped.
        ///
        /// The header encodes it `_IOR` (`#define KVM_MEMORY_ENCRYPT_UNREG_REGION
        /// _IOR(KVMIO, 0xbc, struct kvm_enc_region)`), but the kernel only reads the
        /// payload, so the call borrows it.
        pub(crate) read KVM_MEMORY_ENCRYPT_UNREG_REGION = 0xBC => kvm_enc_region as write on Vm -> zero;
    }
}

/// A range of guest memory registered with a VM by `KVM_MEMORY_ENCRYPT_REG_REGION`, which
/// unregisters it (`KVM_MEMORY_ENCRYPT_UNREG_REGION`) when dropped.
///
/// An SEV guest's memory is registered so that the kernel pins its pages for as long as
/// the guest may use them; the firmware encrypts them in place, and the pages must not
/// move. The kernel keeps the range after the call returns, until it is unregistered or
/// the VM is destroyed.
///
/// # Safety argument
///
/// This guard is the only way to reach the two ioctls, and it upholds what the kernel
/// relies on while it keeps the range:
/// - the guard borrows the [`GuestMemory`] (directly, or through the [`MemoryRegion`] that
///   owns it), so the range stays mapped to the same memory until the guard is gone;
/// - it borrows the [`Vm`], so the unregistration reaches the VM that registered the range
///   and not another file that reused its descriptor number;
/// - it hands out no reference into the memory, which the firmware and the guest change
///   behind the program's back; [`GuestMemory`] copies bytes in and out instead.
///
/// The kernel never reads or writes the range's contents through the registered address:
/// it pins the pages and flushes them from the caches (`sev_mem_enc_register_region` in
/// arch/x86/kvm/svm/sev.c). If unregistering fails in `drop`, the pages stay pinned until
/// the VM is destroyed, and dropping the memory later unmaps it from the process but
/// leaves the pinned pages to the kernel, so no memory of the program changes under it.
/// [`unregister`](Self::unregister) returns that error instead.
///
/// # Example
///
/// ```no_run
/// use sev_ioctls::kvm::{GuestMemory, Kvm};
/// use sev_ioctls::sev::{launch, Sev};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let kvm = Kvm::open()?;
/// let sev = Sev::open()?;
/// let vm = kvm.create_vm()?;
/// vm.sev_command(None, &mut launch::Init)?;
/// let region = vm.set_user_memory_region(0, 0, GuestMemory::new(0x10_0000)?, 0)?;
/// let pinned = region.register_encrypted()?;
///
/// vm.sev_command(Some(&sev), &mut launch::LaunchStart::new(0, 0x1, None, None))?;
/// vm.sev_command(None, &mut launch::LaunchUpdateData::guest(region.memory(), 0, 0x1000))?;
///
/// // `drop(region)` here would not compile: `pinned` borrows it until it is unregistered.
/// pinned.unregister()?;
/// drop(region);
/// # Ok(())
/// # }
/// ```
#[must_use = "dropping the guard unregisters the range at once"]
pub struct EncryptedRegion<'a> {
    vm: &'a Vm,
    range: kvm_enc_region,
    memory: PhantomData<&'a GuestMemory>,
}

impl Vm {
    /// Registers `count` bytes of `memory` from `offset` for an encrypted guest
    /// (`KVM_MEMORY_ENCRYPT_REG_REGION`). The range is unregistered when the returned guard
    /// is dropped. On a host without SEV the kernel fails with ENOTTY.
    pub fn register_encrypted_memory<'a>(
        &'a self,
        memory: &'a GuestMemory,
        offset: usize,
        count: usize,
    ) -> io::Result<EncryptedRegion<'a>> {
        let addr = memory.host_range(offset, count)?;
        let range = kvm_enc_region { addr, size: count as u64 };
        KVM_MEMORY_ENCRYPT_REG_REGION.call(self, &range)?;
        Ok(EncryptedRegion { vm: self, range, memory: PhantomData })
    }
}

impl<'vm> MemoryRegion<'vm> {
    /// Registers the whole memory of this slot for an encrypted guest
    /// (`KVM_MEMORY_ENCRYPT_REG_REGION`) with the slot's VM. The returned guard borrows the
    /// slot, so the slot and its memory outlive the registration.
    pub fn register_encrypted(&self) -> io::Result<EncryptedRegion<'_>> {
        self.vm().register_encrypted_memory(self.memory(), 0, self.memory().len())
    }
}

impl EncryptedRegion<'_> {
    /// Returns the host address of the first registered byte.
    pub fn address(&self) -> u64 {
        self.range.addr
    }

    /// Returns the size of the range in bytes.
    pub fn size(&self) -> u64 {
        self.range.size
    }

    /// Unregisters the range now (`KVM_MEMORY_ENCRYPT_UNREG_REGION`) and returns the
    /// kernel's error, which `drop` would discard.
    pub fn unregister(self) -> io::Result<()> {
        let result = KVM_MEMORY_ENCRYPT_UNREG_REGION.call(self.vm, &self.range);
        std::mem::forget(self);
        result
    }
}

impl Drop for EncryptedRegion<'_> {
    fn drop(&mut self) {
        // A failure leaves the pages pinned until the VM is destroyed, which the type
        // documentation shows to be harmless; `unregister` reports it.
        let _ = KVM_MEMORY_ENCRYPT_UNREG_REGION.call(self.vm, &self.range);
    }
}

impl fmt::Debug for EncryptedRegion<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedRegion")
            .field("address", &format_args!("{:#x}", self.range.addr))
            .field("size", &self.range.size)
            .finish()
    }
}
