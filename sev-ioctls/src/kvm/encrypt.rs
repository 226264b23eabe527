//! Memory-encryption ioctls of VM fds. On AMD hosts `KVM_MEMORY_ENCRYPT_OP` carries the
//! SEV commands of [`crate::sev::launch`].

use ioctl_core::ioctl;

use super::{kvm_enc_region, kvm_sev_cmd, Vm};
use std::ffi::c_ulong;

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` of Linux 6.1 and what the
    // kernel does with the payload (see each item); the header test compares each number
    // and payload layout.
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
        /// unregistered or the VM is destroyed.
        ///
        /// The header encodes it `_IOR` (`#define KVM_MEMORY_ENCRYPT_REG_REGION _IOR(KVMIO,
        /// 0xbb, struct kvm_enc_region)`), but the kernel only reads the payload, so the
        /// call borrows it. The kernel pins the pages behind `addr` and flushes them from
        /// the caches; it neither reads nor writes their contents, so any address is safe
        /// to pass (a range that is not mapped fails with EFAULT).
        pub read KVM_MEMORY_ENCRYPT_REG_REGION = 0xBB => kvm_enc_region as write on Vm -> zero;
        /// Unpins a range pinned with [`KVM_MEMORY_ENCRYPT_REG_REGION`].
        ///
        /// The header encodes it `_IOR` (`#define KVM_MEMORY_ENCRYPT_UNREG_REGION
        /// _IOR(KVMIO, 0xbc, struct kvm_enc_region)`), but the kernel only reads the
        /// payload, so the call borrows it.
        pub read KVM_MEMORY_ENCRYPT_UNREG_REGION = 0xBC => kvm_enc_region as write on Vm -> zero;
    }
}
