//! KVM ioctls of `linux/kvm.h` (x86_64), on typed handles.
//!
//! [`Kvm`] is the `/dev/kvm` system handle, [`Vm`] a virtual machine, [`Vcpu`] a virtual
//! CPU and [`Device`] an in-kernel device. Each ioctl accepts only the handle kind that the
//! kernel serves it on, and the create ioctls return the new handle, which owns its fd.
//!
//! Two ioctls are private because the kernel keeps pointers from them, and are reached
//! through safe wrappers that own the memory involved:
//! - `KVM_SET_USER_MEMORY_REGION` through [`Vm::set_user_memory_region`], which returns a
//!   [`MemoryRegion`] guard that owns the guest memory and removes the slot when dropped;
//! - `KVM_RUN` through [`VcpuRun::run`], which owns the vCPU's shared `kvm_run` area and
//!   returns the exit as a typed [`Exit`].

use std::ffi::c_ulong;

use ioctl_core::ioctl;

mod consts;
mod memory;
mod run;
mod types;

pub use consts::*;
pub use memory::{GuestMemory, MemoryRegion};
pub use run::{Exit, IoDirection, VcpuRun};
pub use types::*;

use crate::tables::CLayout;

/// The layout of every payload type of this module, with the C type it mirrors.
pub const PAYLOAD_LAYOUTS: &[CLayout] = &[
    CLayout::of::<kvm_regs>(),
    CLayout::of::<kvm_segment>(),
    CLayout::of::<kvm_dtable>(),
    CLayout::of::<kvm_sregs>(),
    CLayout::of::<kvm_userspace_memory_region>(),
    CLayout::of::<kvm_create_device>(),
    CLayout::of::<kvm_run>().renamed(&[("exit", "padding")]),
    CLayout::member_of::<kvm_run_io>("struct kvm_run", "io"),
    CLayout::member_of::<kvm_run_mmio>("struct kvm_run", "mmio"),
    CLayout::member_of::<kvm_run_fail_entry>("struct kvm_run", "fail_entry"),
    CLayout::member_of::<kvm_run_internal>("struct kvm_run", "internal"),
];

ioctl! {
    // SAFETY: every declaration below matches `include/uapi/linux/kvm.h` of Linux 6.1
    // (direction, number, payload type and return value), which the header check in
    // tests/header.rs confirms for each number and payload layout.
    unsafe {
        group 0xAE;

        /// Every ioctl of this module, in declaration order.
        pub table KVM_IOCTLS;

        /// The `/dev/kvm` system handle.
        pub fd Kvm = "/dev/kvm";
        /// A virtual machine, created by [`KVM_CREATE_VM`].
        pub fd Vm;
        /// A virtual CPU, created by [`KVM_CREATE_VCPU`].
        pub fd Vcpu;
        /// An in-kernel device, created by [`Vm::create_device`].
        pub fd Device;

        /// Returns the KVM API version, [`KVM_API_VERSION`] (12).
        pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        /// Creates a virtual machine; the argument is the machine type (0 on x86_64).
        pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        /// Returns 0 when a capability (`KVM_CAP_*`) is missing, and a positive value, often
        /// a limit, when it is present.
        pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
        /// Returns the size in bytes of the `kvm_run` area to `mmap` from a vCPU fd.
        pub none KVM_GET_VCPU_MMAP_SIZE = 0x04 on Kvm -> count;

        /// Creates a vCPU with the given id.
        pub none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
        /// Maps guest physical memory to a host address that the kernel keeps.
        pub(crate) write KVM_SET_USER_MEMORY_REGION = 0x46 => kvm_userspace_memory_region on Vm -> zero;
        /// Sets the guest physical address of the three-page TSS region (Intel VMX).
        pub none KVM_SET_TSS_ADDR = 0x47 (c_ulong) on Vm -> zero;
        /// Creates an in-kernel device; the kernel writes its fd into the payload.
        pub readwrite KVM_CREATE_DEVICE = 0xE0 => kvm_create_device on Vm -> zero;

        /// Runs the vCPU until it exits to user space; returns EINTR when a signal or
        /// `immediate_exit` stops it.
        pub(crate) none KVM_RUN = 0x80 on Vcpu -> zero;
        /// Reads the general-purpose registers.
        pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu;
        /// Writes the general-purpose registers.
        pub write KVM_SET_REGS = 0x82 => kvm_regs on Vcpu -> zero;
        /// Reads the segment, descriptor-table and control registers.
        pub read KVM_GET_SREGS = 0x83 => kvm_sregs on Vcpu;
        /// Writes the segment, descriptor-table and control registers.
        pub write KVM_SET_SREGS = 0x84 => kvm_sregs on Vcpu -> zero;
    }
}

impl Kvm {
    /// Returns the KVM API version (`KVM_GET_API_VERSION`).
    pub fn api_version(&self) -> std::io::Result<i32> {
        KVM_GET_API_VERSION.call(self)
    }

    /// Creates a virtual machine of the default type (`KVM_CREATE_VM` with 0).
    pub fn create_vm(&self) -> std::io::Result<Vm> {
        KVM_CREATE_VM.call(self, 0)
    }

    /// Returns the size of a vCPU's `kvm_run` area (`KVM_GET_VCPU_MMAP_SIZE`).
    pub fn vcpu_mmap_size(&self) -> std::io::Result<usize> {
        let size = KVM_GET_VCPU_MMAP_SIZE.call(self)?;
        usize::try_from(size).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))
    }
}

impl Vm {
    /// Creates an in-kernel device of type `device_type` (`KVM_CREATE_DEVICE`), returning a
    /// handle that owns the new fd.
    pub fn create_device(&self, device_type: u32) -> std::io::Result<Device> {
        let mut payload = kvm_create_device { type_: device_type, fd: u32::MAX, flags: 0 };
        KVM_CREATE_DEVICE.call(self, &mut payload)?;
        let fd = std::os::fd::RawFd::try_from(payload.fd)
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
        // SAFETY: after a successful KVM_CREATE_DEVICE without KVM_CREATE_DEVICE_TEST the
        // kernel stored a new device fd in `payload.fd`, owned by nobody else.
        let fd = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        // SAFETY: the fd was just returned by KVM_CREATE_DEVICE, so it is a KVM device fd.
        Ok(unsafe { Device::from_fd_unchecked(fd) })
    }
}
