//! A real-mode guest of two instructions, `out 0x10, al` and a `jmp` back to it, so that
//! every `KVM_RUN` returns to the host with one I/O exit. It is set up once with
//! ioctl-core ([`Guest`]) and once with kvm-ioctls ([`KvmIoctlsGuest`]).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::ptr::NonNull;

use kvm_ioctls::VcpuExit;

use crate::calls::{exit_code, FAILED};
use crate::kvm::{
    expected, Kvm, KvmRegs, KvmUserspaceMemoryRegion, Vcpu, Vm, KVM_CREATE_VCPU, KVM_CREATE_VM,
    KVM_EXIT_IO, KVM_GET_SREGS, KVM_GET_VCPU_MMAP_SIZE, KVM_SET_REGS, KVM_SET_SREGS,
};

/// The guest physical address of the code, also its real-mode instruction pointer.
pub const CODE_ADDRESS: u64 = 0x1000;

/// The I/O port that the guest writes.
pub const PORT: u16 = 0x10;

/// `out 0x10, al` (E6 10), then `jmp` with displacement -4 (EB FC) back to the `out`.
const CODE: [u8; 4] = [0xE6, 0x10, 0xEB, 0xFC];

/// The size of the guest memory slot: one page.
const MEMORY_SIZE: usize = 0x1000;

/// `rflags` with only its reserved bit 1 set, as after reset.
const RFLAGS_RESET: u64 = 0x2;

/// The offsets in `struct kvm_run` (linux/kvm.h) of `exit_reason` and of `io.port`, and
/// the structure's size, as printed by gcc.
const RUN_EXIT_REASON: usize = 8;
const RUN_IO_PORT: usize = 34;
const RUN_SIZE: usize = 2352;

/// The exit code of the guest's `out`, as [`exit_code`] builds it.
pub const IO_EXIT: u64 = exit_code(KVM_EXIT_IO, PORT);

mod memory_ioctls {
    use crate::kvm::{KvmUserspaceMemoryRegion, Vcpu, Vm};
    use ioctl_core::ioctl;

    ioctl! {
        // SAFETY: both match linux/kvm.h; the numbers are asserted below. The kernel keeps
        // the address in a memory region's payload and the guest writes through it during
        // `KVM_RUN`, so these stay private to this module, whose `Guest` registers only
        // memory that it owns and unmaps after the VM is closed.
        unsafe {
            group 0xAE;
            pub(super) write KVM_SET_USER_MEMORY_REGION = 0x46 => KvmUserspaceMemoryRegion on Vm -> zero;
            pub(super) none KVM_RUN = 0x80 on Vcpu -> zero;
        }
    }
}

use memory_ioctls::{KVM_RUN, KVM_SET_USER_MEMORY_REGION};

const _: () = {
    assert!(KVM_SET_USER_MEMORY_REGION.request() == expected::KVM_SET_USER_MEMORY_REGION);
    assert!(KVM_RUN.request() == expected::KVM_RUN);
};

/// A memory mapping, unmapped on drop.
pub struct Mapping {
    address: NonNull<u8>,
    length: usize,
}

impl Mapping {
    /// Maps `length` bytes of private zeroed memory.
    fn anonymous(length: usize) -> io::Result<Mapping> {
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
        // SAFETY: a new anonymous mapping at an address that the kernel picks aliases
        // nothing.
        let address = unsafe { libc::mmap(std::ptr::null_mut(), length, libc::PROT_READ | libc::PROT_WRITE, flags, -1, 0) };
        Mapping::from_mmap(address, length)
    }

    /// Maps the first `length` bytes of `fd`, shared with the kernel.
    fn shared(fd: BorrowedFd<'_>, length: usize) -> io::Result<Mapping> {
        let protection = libc::PROT_READ | libc::PROT_WRITE;
        // SAFETY: a new mapping at an address that the kernel picks aliases no Rust object.
        let address = unsafe { libc::mmap(std::ptr::null_mut(), length, protection, libc::MAP_SHARED, fd.as_raw_fd(), 0) };
        Mapping::from_mmap(address, length)
    }

    fn from_mmap(address: *mut libc::c_void, length: usize) -> io::Result<Mapping> {
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let address = NonNull::new(address.cast::<u8>()).ok_or_else(|| io::Error::other("mmap returned a null address"))?;
        Ok(Mapping { address, length })
    }

    fn as_ptr(&self) -> *mut u8 {
        self.address.as_ptr()
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `address` and `length` describe a mapping that this value owns and that
        // nothing uses any more.
        unsafe { libc::munmap(self.address.as_ptr().cast(), self.length) };
    }
}

/// The guest, with its VM, vCPU and memory set up through ioctl-core.
pub struct Guest {
    // Field order is drop order: the `kvm_run` mapping and the vCPU, then the VM, and the
    // guest memory only after nothing can run the guest any more.
    run: Mapping,
    vcpu: Vcpu,
    _vm: Vm,
    _memory: Mapping,
}

impl Guest {
    /// Creates the VM and its vCPU, loads the code and points the vCPU at it.
    pub fn new(kvm: &Kvm) -> io::Result<Guest> {
        let memory = Mapping::anonymous(MEMORY_SIZE)?;
        // SAFETY: the mapping is `MEMORY_SIZE` bytes, writable, and not shared with anything.
        unsafe { std::ptr::copy_nonoverlapping(CODE.as_ptr(), memory.as_ptr(), CODE.len()) };

        let vm = KVM_CREATE_VM.call(kvm, 0)?;
        let region = KvmUserspaceMemoryRegion {
            slot: 0,
            flags: 0,
            guest_phys_addr: CODE_ADDRESS,
            memory_size: MEMORY_SIZE as u64,
            userspace_addr: memory.as_ptr().expose_provenance() as u64,
        };
        // The memory outlives the VM: `Guest` drops it last, and on an early return below
        // `memory`, declared before `vm`, is dropped after it.
        KVM_SET_USER_MEMORY_REGION.call(&vm, &region)?;

        let vcpu = KVM_CREATE_VCPU.call(&vm, 0)?;
        let run_size = KVM_GET_VCPU_MMAP_SIZE.call(kvm)? as usize;
        if run_size < RUN_SIZE {
            let message = format!("KVM_GET_VCPU_MMAP_SIZE returned {run_size}, less than struct kvm_run ({RUN_SIZE} bytes)");
            return Err(io::Error::new(io::ErrorKind::InvalidData, message));
        }
        let run = Mapping::shared(vcpu.as_fd(), run_size)?;

        let mut sregs = KVM_GET_SREGS.call(&vcpu)?;
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        KVM_SET_SREGS.call(&vcpu, &sregs)?;
        let regs = KvmRegs {
            rip: CODE_ADDRESS,
            rflags: RFLAGS_RESET,
            ..KvmRegs::default()
        };
        KVM_SET_REGS.call(&vcpu, &regs)?;

        Ok(Guest {
            run,
            vcpu,
            _vm: vm,
            _memory: memory,
        })
    }

    /// Returns the vCPU handle, for the ioctls that do not run the guest.
    pub fn vcpu(&self) -> &Vcpu {
        &self.vcpu
    }

    /// Returns the vCPU's descriptor number, for the crates that take one.
    pub fn vcpu_fd(&self) -> RawFd {
        self.vcpu.as_fd().as_raw_fd()
    }

    /// Runs the guest to its next exit with ioctl-core's `KVM_RUN` constant.
    #[inline(always)]
    pub fn run_with_ioctl_core(&self) -> u64 {
        match KVM_RUN.call(&self.vcpu) {
            Ok(()) => self.exit(),
            Err(_) => FAILED,
        }
    }

    /// Runs the guest to its next exit through `ioctl_core::sys::libc_ioctl`.
    #[inline(always)]
    pub fn run_with_ioctl_core_libc(&self) -> u64 {
        let fd = self.vcpu.as_fd();
        // SAFETY: KVM_RUN takes no argument; the guest writes only its own memory, which
        // `self` keeps mapped.
        match unsafe { ioctl_core::sys::libc_ioctl(fd, KVM_RUN.request(), std::ptr::null_mut()) } {
            Ok(_) => self.exit(),
            Err(_) => FAILED,
        }
    }

    /// Runs the guest to its next exit with `libc::ioctl`.
    #[inline(always)]
    pub fn run_with_libc(&self) -> u64 {
        let request = expected::KVM_RUN as libc::c_ulong;
        // SAFETY: KVM_RUN takes no argument; the guest writes only its own memory, which
        // `self` keeps mapped.
        let ret = unsafe { libc::ioctl(self.vcpu_fd(), request, 0 as libc::c_ulong) };
        if ret < 0 {
            FAILED
        } else {
            self.exit()
        }
    }

    /// Reads the exit reason and, for an I/O exit, the port from the `kvm_run` area.
    #[inline(always)]
    fn exit(&self) -> u64 {
        let base = self.run.as_ptr();
        // SAFETY: the mapping is at least `RUN_SIZE` bytes long (checked in `new`) and is
        // page-aligned, so both fields are in bounds and aligned. The kernel writes them
        // only during `KVM_RUN`, which has returned.
        let reason = unsafe { base.add(RUN_EXIT_REASON).cast::<u32>().read_volatile() };
        if reason != KVM_EXIT_IO {
            return exit_code(reason, 0);
        }
        // SAFETY: as above.
        let port = unsafe { base.add(RUN_IO_PORT).cast::<u16>().read_volatile() };
        exit_code(reason, port)
    }
}

/// The same guest set up through kvm-ioctls, which runs it with `VcpuFd::run`.
pub struct KvmIoctlsGuest {
    // Field order is drop order, as in `Guest`: `VcpuFd` unmaps its `kvm_run` area itself.
    vcpu: kvm_ioctls::VcpuFd,
    _vm: kvm_ioctls::VmFd,
    _memory: Mapping,
}

impl KvmIoctlsGuest {
    /// Creates the VM and its vCPU, loads the code and points the vCPU at it.
    pub fn new() -> io::Result<KvmIoctlsGuest> {
        let memory = Mapping::anonymous(MEMORY_SIZE)?;
        // SAFETY: the mapping is `MEMORY_SIZE` bytes, writable, and not shared with anything.
        unsafe { std::ptr::copy_nonoverlapping(CODE.as_ptr(), memory.as_ptr(), CODE.len()) };

        let kvm = kvm_ioctls::Kvm::new()?;
        let vm = kvm.create_vm()?;
        let region = kvm_bindings::kvm_userspace_memory_region {
            slot: 0,
            flags: 0,
            guest_phys_addr: CODE_ADDRESS,
            memory_size: MEMORY_SIZE as u64,
            userspace_addr: memory.as_ptr().expose_provenance() as u64,
        };
        // SAFETY: the region is the mapping above, which `KvmIoctlsGuest` unmaps only after
        // closing the VM, and which `memory`, declared before `vm`, outlives on an early
        // return.
        unsafe { vm.set_user_memory_region(region)? };

        let vcpu = vm.create_vcpu(0)?;
        let mut sregs = vcpu.get_sregs()?;
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        vcpu.set_sregs(&sregs)?;
        let regs = kvm_bindings::kvm_regs {
            rip: CODE_ADDRESS,
            rflags: RFLAGS_RESET,
            ..Default::default()
        };
        vcpu.set_regs(&regs)?;

        Ok(KvmIoctlsGuest {
            vcpu,
            _vm: vm,
            _memory: memory,
        })
    }

    /// Runs the guest to its next exit with `VcpuFd::run`.
    #[inline(always)]
    pub fn run(&mut self) -> u64 {
        match self.vcpu.run() {
            Ok(VcpuExit::IoOut(port, _data)) => exit_code(KVM_EXIT_IO, port),
            Ok(_) => exit_code(0, 0),
            Err(_) => FAILED,
        }
    }
}
