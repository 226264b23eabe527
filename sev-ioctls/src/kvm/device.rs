//! In-kernel devices and the device-attribute ioctls, which device fds, vCPU fds and the
//! system fd serve.
//!
//! A `kvm_device_attr` carries the address of the attribute's value, whose size and
//! direction depend on the attribute. The ioctls are therefore private, and each
//! attribute that x86_64 defines has a wrapper that passes a value of the right type;
//! `*_unchecked` functions reach any other attribute.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use ioctl_core::{ioctl, Target};

use super::{
    kvm_create_device, kvm_device_attr, AttrFd, Kvm, Vcpu, Vm, KVM_CREATE_DEVICE, KVM_DEV_VFIO_GROUP,
    KVM_DEV_VFIO_GROUP_ADD, KVM_DEV_VFIO_GROUP_DEL, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET, KVM_X86_XCOMP_GUEST_SUPP,
};

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` of Linux 6.1 (direction,
    // number, payload type and return value); the header test compares each number and
    // the payload layout. The kernel only reads the payload; what it does at `addr`
    // depends on the attribute, so the declarations are private.
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_DEVICE_IOCTLS;

        /// An in-kernel device, created by [`Vm::create_device`].
        pub fd Device;

        /// Sets an attribute from the value at `addr`.
        pub(crate) write KVM_SET_DEVICE_ATTR = 0xE1 => kvm_device_attr on AttrFd -> zero;
        /// Copies an attribute's value to `addr`; the number says `_IOW` because the kernel
        /// only reads the payload struct itself.
        pub(crate) write KVM_GET_DEVICE_ATTR = 0xE2 => kvm_device_attr on AttrFd -> zero;
        /// Fails with ENXIO unless the attribute exists; `addr` is not used.
        pub(crate) write KVM_HAS_DEVICE_ATTR = 0xE3 => kvm_device_attr on AttrFd -> zero;
    }
}

/// Returns whether the attribute exists (`KVM_HAS_DEVICE_ATTR`), mapping ENXIO to false.
fn has_attr<F: Target<AttrFd>>(fd: &F, group: u32, attr: u64) -> io::Result<bool> {
    let payload = kvm_device_attr { flags: 0, group, attr, addr: 0 };
    match KVM_HAS_DEVICE_ATTR.call(fd, &payload) {
        Ok(()) => Ok(true),
        Err(error) if error.raw_os_error() == Some(libc::ENXIO) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Reads a `u64` attribute.
///
/// # Safety
///
/// The attribute's value must be a `u64` that the kernel writes to `addr`.
unsafe fn get_u64_attr<F: Target<AttrFd>>(fd: &F, group: u32, attr: u64) -> io::Result<u64> {
    let mut value: u64 = 0;
    let payload = kvm_device_attr { flags: 0, group, attr, addr: core::ptr::addr_of_mut!(value) as u64 };
    KVM_GET_DEVICE_ATTR.call(fd, &payload)?;
    Ok(value)
}

/// Sets a device attribute without knowing its value's type (`KVM_SET_DEVICE_ATTR`).
///
/// # Safety
///
/// `attr.addr` must point to a value of the size and type that the attribute defines,
/// readable for the duration of the call.
pub unsafe fn set_device_attr_unchecked<F: Target<AttrFd>>(fd: &F, attr: &kvm_device_attr) -> io::Result<()> {
    KVM_SET_DEVICE_ATTR.call(fd, attr)
}

/// Reads a device attribute without knowing its value's type (`KVM_GET_DEVICE_ATTR`).
///
/// # Safety
///
/// `attr.addr` must point to memory of the size that the attribute defines, writable for
/// the duration of the call, and any bytes written must be valid for its type.
pub unsafe fn get_device_attr_unchecked<F: Target<AttrFd>>(fd: &F, attr: &kvm_device_attr) -> io::Result<()> {
    KVM_GET_DEVICE_ATTR.call(fd, attr)
}

impl Vm {
    /// Creates an in-kernel device of type `device_type` (`KVM_CREATE_DEVICE`), returning a
    /// handle that owns the new fd.
    pub fn create_device(&self, device_type: u32) -> io::Result<Device> {
        let mut payload = kvm_create_device { type_: device_type, fd: u32::MAX, flags: 0 };
        KVM_CREATE_DEVICE.call(self, &mut payload)?;
        let fd = RawFd::try_from(payload.fd).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        // SAFETY: after a successful KVM_CREATE_DEVICE without KVM_CREATE_DEVICE_TEST the
        // kernel stored a new device fd in `payload.fd`, owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: the fd was just returned by KVM_CREATE_DEVICE, so it is a KVM device fd.
        Ok(unsafe { Device::from_fd_unchecked(fd) })
    }
}

impl Device {
    /// Returns whether the device has attribute `attr` in group `group`
    /// (`KVM_HAS_DEVICE_ATTR`).
    pub fn has_attr(&self, group: u32, attr: u64) -> io::Result<bool> {
        has_attr(self, group, attr)
    }

    /// Adds the VFIO group `group` to a VFIO device (`KVM_DEV_VFIO_GROUP_ADD`).
    pub fn vfio_group_add(&self, group: BorrowedFd<'_>) -> io::Result<()> {
        self.vfio_group(KVM_DEV_VFIO_GROUP_ADD, group)
    }

    /// Removes the VFIO group `group` from a VFIO device (`KVM_DEV_VFIO_GROUP_DEL`).
    pub fn vfio_group_del(&self, group: BorrowedFd<'_>) -> io::Result<()> {
        self.vfio_group(KVM_DEV_VFIO_GROUP_DEL, group)
    }

    fn vfio_group(&self, attr: u64, group: BorrowedFd<'_>) -> io::Result<()> {
        let fd: i32 = group.as_raw_fd();
        let payload = kvm_device_attr {
            flags: 0,
            group: KVM_DEV_VFIO_GROUP,
            attr,
            addr: core::ptr::addr_of!(fd) as u64,
        };
        // SAFETY: the VFIO group attributes read an `int32_t` fd at `addr`, which points
        // to `fd`, a local that outlives the call.
        unsafe { set_device_attr_unchecked(self, &payload) }
    }
}

impl Vcpu {
    /// Returns whether the vCPU has attribute `attr` in group `group`
    /// (`KVM_HAS_DEVICE_ATTR`).
    pub fn has_device_attr(&self, group: u32, attr: u64) -> io::Result<bool> {
        has_attr(self, group, attr)
    }

    /// Returns the guest TSC offset (`KVM_VCPU_TSC_OFFSET`).
    pub fn tsc_offset(&self) -> io::Result<u64> {
        // SAFETY: KVM_VCPU_TSC_OFFSET's value is a u64.
        unsafe { get_u64_attr(self, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET) }
    }

    /// Sets the guest TSC offset (`KVM_VCPU_TSC_OFFSET`).
    pub fn set_tsc_offset(&self, offset: u64) -> io::Result<()> {
        let payload = kvm_device_attr {
            flags: 0,
            group: KVM_VCPU_TSC_CTRL,
            attr: KVM_VCPU_TSC_OFFSET,
            addr: core::ptr::addr_of!(offset) as u64,
        };
        // SAFETY: KVM_VCPU_TSC_OFFSET reads a u64 at `addr`, which points to `offset`.
        unsafe { set_device_attr_unchecked(self, &payload) }
    }
}

impl Kvm {
    /// Returns whether the system fd has attribute `attr` in group `group`
    /// (`KVM_HAS_DEVICE_ATTR`, `KVM_CAP_SYS_ATTRIBUTES`).
    pub fn has_device_attr(&self, group: u32, attr: u64) -> io::Result<bool> {
        has_attr(self, group, attr)
    }

    /// Returns the XSAVE feature bits that a guest may use (`KVM_X86_XCOMP_GUEST_SUPP`).
    pub fn xcomp_guest_supp(&self) -> io::Result<u64> {
        // SAFETY: KVM_X86_XCOMP_GUEST_SUPP's value is a u64.
        unsafe { get_u64_attr(self, 0, KVM_X86_XCOMP_GUEST_SUPP) }
    }
}
