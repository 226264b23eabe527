//! Guest memory and its registration with a VM.
//!
//! The kernel keeps the host address of a memory slot after `KVM_SET_USER_MEMORY_REGION`
//! returns, and the guest reads and writes that memory whenever a vCPU runs. Safe code
//! therefore never passes an address: a [`MemoryRegion`] owns the [`GuestMemory`] it
//! registers and borrows the [`Vm`], so the memory stays mapped for as long as the slot
//! exists. Dropping the region deletes the slot first and unmaps the memory only if the
//! kernel confirmed the deletion; otherwise the mapping is leaked, never freed under the
//! guest. Leaking the region with `mem::forget` leaks the mapping too.

use std::io;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use super::{kvm_dirty_log, kvm_userspace_memory_region, Vm, KVM_GET_DIRTY_LOG, KVM_SET_USER_MEMORY_REGION};

/// The page size of KVM's dirty bitmaps on x86_64: one bit per 4 KiB page.
const KVM_PAGE_SIZE: usize = 4096;

/// Anonymous, page-aligned host memory to back guest physical memory.
///
/// The guest may write this memory while a vCPU runs on another thread, so the type hands
/// out no references into it: [`read_at`](Self::read_at) and [`write_at`](Self::write_at)
/// copy bytes in and out.
#[derive(Debug)]
pub struct GuestMemory {
    address: NonNull<u8>,
    len: usize,
}

// SAFETY: `GuestMemory` owns its mapping and only copies bytes in and out through raw
// pointers, so moving it to or sharing it with another thread creates no aliasing
// references.
unsafe impl Send for GuestMemory {}
// `GuestMemory` is not `Sync`: two host threads copying into the same bytes at once would
// be a data race in Rust's memory model, whatever the guest does meanwhile.
// TODO: share guest memory between host threads through atomic or volatile accessors.

impl GuestMemory {
    /// Maps `len` bytes of zeroed anonymous memory. `len` must be a non-zero multiple of
    /// the page size (4096 on x86_64).
    pub fn new(len: usize) -> io::Result<GuestMemory> {
        let page = page_size();
        if len == 0 || !len.is_multiple_of(page) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("guest memory size {len} is not a non-zero multiple of the page size {page}"),
            ));
        }
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing
        // touches no existing memory.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let address = NonNull::new(address.cast::<u8>()).ok_or_else(|| io::Error::from(io::ErrorKind::InvalidData))?;
        Ok(GuestMemory { address, len })
    }

    /// Returns the size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Returns whether the memory is empty; never true, since `new` rejects size 0.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn check_range(&self, offset: usize, count: usize) -> io::Result<()> {
        match offset.checked_add(count) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("range {offset:#x}+{count:#x} is outside guest memory of {:#x} bytes", self.len),
            )),
        }
    }

    /// Copies `bytes` into the memory at `offset`.
    pub fn write_at(&self, offset: usize, bytes: &[u8]) -> io::Result<()> {
        self.check_range(offset, bytes.len())?;
        // SAFETY: the range is inside the mapping (checked above), which is writable, and
        // `bytes` cannot overlap it because no reference into the mapping exists.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.address.as_ptr().add(offset), bytes.len());
        }
        Ok(())
    }

    /// Copies bytes at `offset` out of the memory into `buffer`.
    pub fn read_at(&self, offset: usize, buffer: &mut [u8]) -> io::Result<()> {
        self.check_range(offset, buffer.len())?;
        // SAFETY: the range is inside the mapping (checked above), which is readable, and
        // `buffer` cannot overlap it because no reference into the mapping exists.
        unsafe {
            std::ptr::copy_nonoverlapping(self.address.as_ptr().add(offset), buffer.as_mut_ptr(), buffer.len());
        }
        Ok(())
    }

    /// Returns the host address of the first byte, for payloads that the kernel fills
    /// from memory this value owns.
    pub(crate) fn host_address(&self) -> u64 {
        self.address.as_ptr() as u64
    }

    /// Returns the host address of byte `offset`, after checking that `offset..offset +
    /// count` lies inside the memory.
    pub(crate) fn host_range(&self, offset: usize, count: usize) -> io::Result<u64> {
        self.check_range(offset, count)?;
        Ok(self.host_address() + offset as u64)
    }
}

impl Drop for GuestMemory {
    fn drop(&mut self) {
        // SAFETY: the mapping was created by `new` with this length, and it is no longer
        // registered with any VM: a registered `GuestMemory` lives inside a
        // `MemoryRegion`, which leaks it instead of dropping it when unregistering fails.
        unsafe {
            libc::munmap(self.address.as_ptr().cast(), self.len);
        }
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a system value.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

/// A memory slot registered with a VM. It owns the memory and removes the slot when
/// dropped.
#[derive(Debug)]
pub struct MemoryRegion<'vm> {
    vm: &'vm Vm,
    slot: u32,
    guest_phys_addr: u64,
    memory: ManuallyDrop<GuestMemory>,
}

impl Vm {
    /// Registers `memory` as slot `slot` at guest physical address `guest_phys_addr`
    /// (`KVM_SET_USER_MEMORY_REGION`), with `flags` such as
    /// [`KVM_MEM_READONLY`](super::KVM_MEM_READONLY).
    ///
    /// On failure the memory is unmapped and the kernel's error is returned. A slot that
    /// is already in use fails with `EEXIST` or `EINVAL`.
    pub fn set_user_memory_region(
        &self,
        slot: u32,
        guest_phys_addr: u64,
        memory: GuestMemory,
        flags: u32,
    ) -> io::Result<MemoryRegion<'_>> {
        let region = kvm_userspace_memory_region {
            slot,
            flags,
            guest_phys_addr,
            memory_size: memory.len() as u64,
            userspace_addr: memory.host_address(),
        };
        KVM_SET_USER_MEMORY_REGION.call(self, &region)?;
        Ok(MemoryRegion {
            vm: self,
            slot,
            guest_phys_addr,
            memory: ManuallyDrop::new(memory),
        })
    }
}

impl MemoryRegion<'_> {
    /// Returns the slot number.
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// Returns the guest physical address of the first byte.
    pub fn guest_phys_addr(&self) -> u64 {
        self.guest_phys_addr
    }

    /// Returns the VM that the slot belongs to.
    pub fn vm(&self) -> &Vm {
        self.vm
    }

    /// Returns the memory behind the slot, for copying bytes in and out.
    pub fn memory(&self) -> &GuestMemory {
        &self.memory
    }

    /// Returns the pages of the slot that the guest wrote since the last call, and starts
    /// a new log (`KVM_GET_DIRTY_LOG`): bit `i % 64` of word `i / 64` is page `i`, a 4 KiB
    /// page at `guest_phys_addr() + i * 4096`.
    ///
    /// Needs a slot registered with [`KVM_MEM_LOG_DIRTY_PAGES`](super::KVM_MEM_LOG_DIRTY_PAGES);
    /// other slots fail with ENOENT.
    pub fn dirty_log(&self) -> io::Result<Vec<u64>> {
        let pages = self.memory.len() / KVM_PAGE_SIZE;
        let mut bitmap = vec![0u64; pages.div_ceil(64)];
        let log = kvm_dirty_log { slot: self.slot, padding1: 0, dirty_bitmap: bitmap.as_mut_ptr() as u64 };
        // The kernel writes one bit per page of the slot, rounded up to whole 64-bit words,
        // into `bitmap`, which has exactly that many words and is exclusively borrowed for
        // the call. The slot's size is this region's: `set_user_memory_region` registered
        // it with `memory.len()`, the kernel rejects a size change of an existing slot, and
        // only this region can delete the slot.
        KVM_GET_DIRTY_LOG.call(self.vm, &log)?;
        Ok(bitmap)
    }
}

impl Drop for MemoryRegion<'_> {
    fn drop(&mut self) {
        let delete = kvm_userspace_memory_region {
            slot: self.slot,
            flags: 0,
            guest_phys_addr: self.guest_phys_addr,
            memory_size: 0,
            userspace_addr: 0,
        };
        // When deletion fails the kernel may still map the slot, so the memory is left
        // mapped (leaked) rather than freed under the guest.
        if KVM_SET_USER_MEMORY_REGION.call(self.vm, &delete).is_ok() {
            // SAFETY: the kernel confirmed that the slot is gone, and `drop` runs once, so
            // the memory is dropped exactly once and nothing uses it afterwards.
            unsafe { ManuallyDrop::drop(&mut self.memory) };
        }
    }
}
