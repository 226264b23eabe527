//! Running a vCPU: the shared `kvm_run` area and typed exits.

use std::io;
use std::mem::offset_of;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

use ioctl_core::AnyBitPattern;

use super::{
    kvm_run, kvm_run_fail_entry, kvm_run_internal, kvm_run_io, kvm_run_mmio, Kvm, Vcpu, KVM_EXIT_FAIL_ENTRY,
    KVM_EXIT_HLT, KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_IO, KVM_EXIT_IO_IN, KVM_EXIT_IO_OUT, KVM_EXIT_MMIO,
    KVM_EXIT_SHUTDOWN, KVM_RUN,
};

/// A vCPU together with its `kvm_run` area, the memory that `mmap` of the vCPU fd shares
/// with the kernel.
///
/// The kernel writes the area during `KVM_RUN`. `VcpuRun` is the only way to issue
/// `KVM_RUN`, and [`run`](Self::run) takes `&mut self`, so no exit data is read while the
/// kernel may be writing it.
#[derive(Debug)]
pub struct VcpuRun {
    vcpu: Vcpu,
    area: NonNull<u8>,
    size: usize,
}

// SAFETY: the area is owned by this value and only accessed through `&mut self` or by
// copies through raw pointers; the vCPU fd may be used from any thread.
unsafe impl Send for VcpuRun {}

/// Whether the guest reads from or writes to an I/O port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoDirection {
    /// `in`: the guest reads; fill `data` before the next run.
    In,
    /// `out`: the guest wrote `data`.
    Out,
}

/// The reason that `KVM_RUN` returned to user space.
#[derive(Debug)]
pub enum Exit<'a> {
    /// Port I/O (`KVM_EXIT_IO`). `data` contains `count` items of `size` bytes each.
    Io {
        /// Whether the guest reads or writes.
        direction: IoDirection,
        /// The port number.
        port: u16,
        /// The size of one item in bytes (1, 2 or 4).
        size: u8,
        /// The number of items (more than 1 for string instructions).
        count: u32,
        /// The data, inside the `kvm_run` area.
        data: &'a mut [u8],
    },
    /// The guest executed `hlt` (`KVM_EXIT_HLT`).
    Hlt,
    /// A guest access to memory that no slot backs (`KVM_EXIT_MMIO`).
    Mmio {
        /// The guest physical address.
        phys_addr: u64,
        /// The data written, or the buffer to fill for a read; `len` bytes are used.
        data: &'a mut [u8; 8],
        /// The access size in bytes.
        len: u32,
        /// Whether the guest writes.
        is_write: bool,
    },
    /// The guest triple-faulted (`KVM_EXIT_SHUTDOWN`).
    Shutdown,
    /// The hardware refused to enter the guest (`KVM_EXIT_FAIL_ENTRY`).
    FailEntry {
        /// The hardware's reason code.
        reason: u64,
        /// The host CPU.
        cpu: u32,
    },
    /// KVM could not handle an exit (`KVM_EXIT_INTERNAL_ERROR`).
    InternalError {
        /// The `KVM_INTERNAL_ERROR_*` code.
        suberror: u32,
    },
    /// Any other exit reason (`KVM_EXIT_*`), with the area left for the caller to read.
    Other(u32),
}

impl VcpuRun {
    /// Maps the `kvm_run` area of `vcpu`, whose size `kvm` reports.
    pub fn new(kvm: &Kvm, vcpu: Vcpu) -> io::Result<VcpuRun> {
        let size = kvm.vcpu_mmap_size()?;
        if size < std::mem::size_of::<kvm_run>() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("KVM_GET_VCPU_MMAP_SIZE returned {size}, smaller than struct kvm_run"),
            ));
        }
        // SAFETY: a shared mapping of the vCPU fd at an address of the kernel's choosing
        // touches no existing memory; the kernel defines its contents as `struct kvm_run`.
        let area = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                vcpu.as_raw_fd(),
                0,
            )
        };
        if area == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let area = NonNull::new(area.cast::<u8>()).ok_or_else(|| io::Error::from(io::ErrorKind::InvalidData))?;
        Ok(VcpuRun { vcpu, area, size })
    }

    /// Returns the vCPU, for register ioctls between runs.
    pub fn vcpu(&self) -> &Vcpu {
        &self.vcpu
    }

    /// Reads a `T` at `offset` in the area.
    fn read<T: AnyBitPattern>(&self, offset: usize) -> T {
        debug_assert!(offset + std::mem::size_of::<T>() <= self.size);
        // SAFETY: `offset + size_of::<T>()` is within the mapping (the offsets come from
        // `kvm_run`'s layout, and `new` checked that the mapping contains a `kvm_run`), every bit
        // pattern is a valid `T`, and the read is unaligned-safe.
        unsafe { self.area.as_ptr().add(offset).cast::<T>().read_unaligned() }
    }

    /// Writes `immediate_exit`: while it is 1, `KVM_RUN` returns `EINTR` at once.
    pub fn set_immediate_exit(&mut self, value: bool) {
        let offset = offset_of!(kvm_run, immediate_exit);
        // SAFETY: the byte is inside the mapping, and `&mut self` excludes a concurrent
        // `KVM_RUN` through this value.
        unsafe { self.area.as_ptr().add(offset).write_volatile(u8::from(value)) };
    }

    /// Runs the vCPU until it exits to user space (`KVM_RUN`).
    ///
    /// `EINTR` (a signal, or `immediate_exit`) is returned as an error and never retried.
    pub fn run(&mut self) -> io::Result<Exit<'_>> {
        KVM_RUN.call(&self.vcpu)?;

        let exit_reason: u32 = self.read(offset_of!(kvm_run, exit_reason));
        let exit_offset = offset_of!(kvm_run, exit);
        let exit = match exit_reason {
            KVM_EXIT_IO => {
                let io: kvm_run_io = self.read(exit_offset);
                let direction = match io.direction {
                    KVM_EXIT_IO_IN => IoDirection::In,
                    KVM_EXIT_IO_OUT => IoDirection::Out,
                    _ => return Ok(Exit::Other(exit_reason)),
                };
                let len = usize::from(io.size) * io.count as usize;
                let start = usize::try_from(io.data_offset).unwrap_or(usize::MAX);
                if start.checked_add(len).is_none_or(|end| end > self.size) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("KVM_EXIT_IO data at {start:#x}+{len:#x} lies outside the kvm_run area"),
                    ));
                }
                // SAFETY: the range is inside the mapping (checked above) and the borrow of
                // `self` excludes another `KVM_RUN`, the only writer of this data.
                let data = unsafe { std::slice::from_raw_parts_mut(self.area.as_ptr().add(start), len) };
                Exit::Io { direction, port: io.port, size: io.size, count: io.count, data }
            }
            KVM_EXIT_HLT => Exit::Hlt,
            KVM_EXIT_MMIO => {
                let mmio: kvm_run_mmio = self.read(exit_offset);
                let data_offset = exit_offset + offset_of!(kvm_run_mmio, data);
                // SAFETY: the 8 bytes lie inside the exit union of the mapping, and the
                // borrow of `self` excludes another `KVM_RUN`.
                let data = unsafe { &mut *self.area.as_ptr().add(data_offset).cast::<[u8; 8]>() };
                Exit::Mmio { phys_addr: mmio.phys_addr, data, len: mmio.len, is_write: mmio.is_write != 0 }
            }
            KVM_EXIT_SHUTDOWN => Exit::Shutdown,
            KVM_EXIT_FAIL_ENTRY => {
                let fail: kvm_run_fail_entry = self.read(exit_offset);
                Exit::FailEntry { reason: fail.hardware_entry_failure_reason, cpu: fail.cpu }
            }
            KVM_EXIT_INTERNAL_ERROR => {
                let internal: kvm_run_internal = self.read(exit_offset);
                Exit::InternalError { suberror: internal.suberror }
            }
            other => Exit::Other(other),
        };
        Ok(exit)
    }

    /// Unmaps the area and returns the vCPU.
    pub fn into_vcpu(self) -> Vcpu {
        let this = std::mem::ManuallyDrop::new(self);
        this.unmap();
        // SAFETY: `this` is never used or dropped again, so the vCPU is moved out once.
        unsafe { std::ptr::read(&this.vcpu) }
    }

    fn unmap(&self) {
        // SAFETY: the mapping was created by `new` with this size and no reference into it
        // outlives `&self` borrows, which end before this call.
        unsafe {
            libc::munmap(self.area.as_ptr().cast(), self.size);
        }
    }
}

impl Drop for VcpuRun {
    fn drop(&mut self) {
        self.unmap();
    }
}
