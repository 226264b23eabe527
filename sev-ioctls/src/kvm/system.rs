//! Ioctls of the `/dev/kvm` system fd.

use std::ffi::c_ulong;
use std::io;

use ioctl_core::ioctl;

use super::{kvm_cpuid2, kvm_msr_list, KvmOrVm, Vm};

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` of Linux 6.1 (direction,
    // number, payload type and return value); the header test compares each number. The
    // list ioctls write the header and at most as many entries as `nmsrs` or `nent`
    // counted on input (`kvm_dev_ioctl` and `kvm_dev_ioctl_get_cpuid` in arch/x86/kvm).
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_SYSTEM_IOCTLS;

        /// The `/dev/kvm` system handle.
        pub fd Kvm = "/dev/kvm";

        /// Returns the KVM API version, [`KVM_API_VERSION`](super::KVM_API_VERSION) (12).
        pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        /// Creates a virtual machine; the argument is the VM type (0 for the default type,
        /// or a `KVM_X86_*_VM` type).
        pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        /// Lists the MSRs that KVM saves and restores for a vCPU; on `E2BIG` the kernel has
        /// written the number it needs into `nmsrs`. [`Kvm::msr_index_list`] grows the list.
        pub readwrite KVM_GET_MSR_INDEX_LIST = 0x02 => kvm_msr_list[] on Kvm -> zero;
        /// Returns 0 when a capability (`KVM_CAP_*`) is missing and a positive value, often
        /// a limit, when it is present. On a VM fd the answer is for that VM.
        pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on KvmOrVm -> count;
        /// Returns the size in bytes of the `kvm_run` area to `mmap` from a vCPU fd.
        pub none KVM_GET_VCPU_MMAP_SIZE = 0x04 on Kvm -> count;
        /// Lists the CPUID leaves that KVM and the host support; on `E2BIG` the kernel
        /// leaves `nent` unchanged. [`Kvm::supported_cpuid`] grows the list.
        pub readwrite KVM_GET_SUPPORTED_CPUID = 0x05 => kvm_cpuid2[] on Kvm -> zero;
        /// Lists the CPUID leaves that KVM emulates; `E2BIG` as for
        /// [`KVM_GET_SUPPORTED_CPUID`].
        pub readwrite KVM_GET_EMULATED_CPUID = 0x09 => kvm_cpuid2[] on Kvm -> zero;
        /// Lists the feature MSRs that `KVM_GET_MSRS` reads on the system fd; `E2BIG` as for
        /// [`KVM_GET_MSR_INDEX_LIST`].
        pub readwrite KVM_GET_MSR_FEATURE_INDEX_LIST = 0x0A => kvm_msr_list[] on Kvm -> zero;
        /// Returns the machine-check capabilities (`MCG_CAP`) that KVM can emulate.
        pub read KVM_X86_GET_MCE_CAP_SUPPORTED = 0x9D => u64 on Kvm;
    }
}

impl Kvm {
    /// Returns the KVM API version (`KVM_GET_API_VERSION`).
    pub fn api_version(&self) -> io::Result<i32> {
        KVM_GET_API_VERSION.call(self)
    }

    /// Creates a virtual machine of the default type (`KVM_CREATE_VM` with 0).
    pub fn create_vm(&self) -> io::Result<Vm> {
        KVM_CREATE_VM.call(self, 0)
    }

    /// Returns the size of a vCPU's `kvm_run` area (`KVM_GET_VCPU_MMAP_SIZE`).
    pub fn vcpu_mmap_size(&self) -> io::Result<usize> {
        let size = KVM_GET_VCPU_MMAP_SIZE.call(self)?;
        usize::try_from(size).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
    }

    /// Returns KVM's answer for capability `cap` (`KVM_CHECK_EXTENSION`): 0 when it is
    /// missing, a positive value when it is present.
    pub fn check_extension(&self, cap: u32) -> io::Result<i32> {
        KVM_CHECK_EXTENSION.call(self, cap as c_ulong)
    }
}
