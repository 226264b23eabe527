//! Guest memory and its registration with a VM.
//!
//! The kernel keeps the host address of a memory slot after `KVM_SET_USER_MEMORY_REGION`
//! or `KVM_SET_USER_MEMORY_REGION2` returns, and the guest reads and writes that memory
//! whenever a vCPU runs. Safe code
//! therefore never passes an address: a [`MemoryRegion`] owns the [`GuestMemory`] it
//! registers and borrows the [`Vm`], so the memory stays mapped for as long as the slot
//! exists. Dropping the region deletes the slot first and unmaps the memory only if the
//! kernel confirmed the deletion; otherwise the mapping is leaked, never freed under the
//! guest. Leaking the region with `mem::forget` leaks the mapping too.

use std::io;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU8, Ordering};

use super::newer::delete_slot2;
use super::{kvm_dirty_log, kvm_userspace_memory_region, Vm, KVM_GET_DIRTY_LOG, KVM_SET_USER_MEMORY_REGION};

/// The page size of KVM's dirty bitmaps on x86_64: one bit per 4 KiB page.
const KVM_PAGE_SIZE: usize = 4096;

/// Anonymous, page-aligned host memory to back guest physical memory.
///
/// The guest may write this memory while a vCPU runs, and several host threads may copy
/// in and out of it at once. The type therefore hands out no references into it.
/// [`read_at`](Self::read_at) and [`write_at`](Self::write_at) copy bytes with relaxed
/// one-byte atomic loads and stores. Copies that overlap in time see each byte whole, in
/// no particular order across bytes, and are never a data race. The price shows on large
/// copies: the compiler does not merge atomic accesses into wider ones, so a copy moves one
/// byte per instruction, several times slower than `memcpy`.
#[derive(Debug)]
pub struct GuestMemory {
    address: NonNull<u8>,
    len: usize,
}

// SAFETY: `GuestMemory` owns its mapping, so moving it to another thread moves the
// ownership with it. No reference into the mapping exists that could stay behind.
unsafe impl Send for GuestMemory {}
// SAFETY: through `&GuestMemory`, safe code reaches the bytes only with the one-byte
// atomic accesses of `read_at` and `write_at`, all of the same size, so concurrent copies
// from several threads are free of data races. The kernel and the guest access the
// mapping outside Rust's memory model, as another process sharing it would.
unsafe impl Sync for GuestMemory {}

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
        for (index, &byte) in bytes.iter().enumerate() {
            self.byte(offset + index).store(byte, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Copies bytes at `offset` out of the memory into `buffer`.
    pub fn read_at(&self, offset: usize, buffer: &mut [u8]) -> io::Result<()> {
        self.check_range(offset, buffer.len())?;
        for (index, byte) in buffer.iter_mut().enumerate() {
            *byte = self.byte(offset + index).load(Ordering::Relaxed);
        }
        Ok(())
    }

    /// Returns byte `index` of the mapping as an atomic; `index` must be below `len`.
    fn byte(&self, index: usize) -> &AtomicU8 {
        debug_assert!(index < self.len);
        // SAFETY: `index < len` (every caller checks its range first), so the pointer is
        // inside the mapping, which stays mapped and writable for as long as `self` is
        // borrowed. `AtomicU8` has the size and alignment of `u8`, and Rust code reaches
        // these bytes only through such atomics, never through plain references.
        unsafe { AtomicU8::from_ptr(self.address.as_ptr().add(index)) }
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
    /// Whether `KVM_SET_USER_MEMORY_REGION2` created the slot, so that the same ioctl
    /// deletes it.
    version2: bool,
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
        Ok(MemoryRegion::registered(self, slot, guest_phys_addr, memory, false))
    }
}

impl<'vm> MemoryRegion<'vm> {
    /// Wraps a slot that the kernel has just accepted with `memory`'s address and length.
    /// `version2` is true when `KVM_SET_USER_MEMORY_REGION2` registered it.
    pub(super) fn registered(vm: &'vm Vm, slot: u32, guest_phys_addr: u64, memory: GuestMemory, version2: bool) -> Self {
        MemoryRegion { vm, slot, guest_phys_addr, memory: ManuallyDrop::new(memory), version2 }
    }

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
        // A size of 0 deletes the slot.
        let deleted = if self.version2 {
            delete_slot2(self.vm, self.slot, self.guest_phys_addr)
        } else {
            let delete = kvm_userspace_memory_region {
                slot: self.slot,
                flags: 0,
                guest_phys_addr: self.guest_phys_addr,
                memory_size: 0,
                userspace_addr: 0,
            };
            KVM_SET_USER_MEMORY_REGION.call(self.vm, &delete)
        };
        // When deletion fails the kernel may still map the slot, so the memory is left
        // mapped (leaked) rather than freed under the guest.
        if deleted.is_ok() {
            // SAFETY: the kernel confirmed that the slot is gone, and `drop` runs once, so
            // the memory is dropped exactly once and nothing uses it afterwards.
            unsafe { ManuallyDrop::drop(&mut self.memory) };
        }
    }
}
