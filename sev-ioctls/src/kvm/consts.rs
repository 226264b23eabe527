//! Integer constants of `linux/kvm.h`: capabilities, exit reasons and flags.
//!
//! Each constant is listed in [`KVM_CONSTANTS`] under its C name, and the header check
//! compares every value with what gcc computes from the installed header.

/// Defines each constant and a table of `(C name, value)` pairs for the header check.
macro_rules! c_constants {
    ($table:ident: $($(#[$attr:meta])* $name:ident: $ty:ty = $value:expr;)*) => {
        $(
            $(#[$attr])*
            pub const $name: $ty = $value;
        )*

        /// Every constant of this module as `(C name, value)`, for header checks.
        pub const $table: &[(&str, u64)] = &[$((stringify!($name), $name as u64)),*];
    };
}

c_constants! {
    KVM_CONSTANTS:

    /// The only KVM API version that Linux has shipped since 2.6.22.
    KVM_API_VERSION: i32 = 12;

    /// Capability: `KVM_SET_USER_MEMORY_REGION` is supported.
    KVM_CAP_USER_MEMORY: u32 = 3;
    /// Capability: the recommended maximum number of vCPUs.
    KVM_CAP_NR_VCPUS: u32 = 9;
    /// Capability: the maximum number of memory slots.
    KVM_CAP_NR_MEMSLOTS: u32 = 10;
    /// Capability: the maximum number of vCPUs.
    KVM_CAP_MAX_VCPUS: u32 = 66;
    /// Capability: `kvm_run.immediate_exit` is honoured.
    KVM_CAP_IMMEDIATE_EXIT: u32 = 136;

    /// `kvm_userspace_memory_region.flags`: log dirty pages.
    KVM_MEM_LOG_DIRTY_PAGES: u32 = 1 << 0;
    /// `kvm_userspace_memory_region.flags`: the guest cannot write the region.
    KVM_MEM_READONLY: u32 = 1 << 1;

    /// Exit reason: unknown to KVM.
    KVM_EXIT_UNKNOWN: u32 = 0;
    /// Exit reason: a guest exception.
    KVM_EXIT_EXCEPTION: u32 = 1;
    /// Exit reason: a port I/O instruction.
    KVM_EXIT_IO: u32 = 2;
    /// Exit reason: a hypercall.
    KVM_EXIT_HYPERCALL: u32 = 3;
    /// Exit reason: a debug event.
    KVM_EXIT_DEBUG: u32 = 4;
    /// Exit reason: the guest executed `hlt`.
    KVM_EXIT_HLT: u32 = 5;
    /// Exit reason: an access to memory that no slot backs.
    KVM_EXIT_MMIO: u32 = 6;
    /// Exit reason: the guest can take an interrupt.
    KVM_EXIT_IRQ_WINDOW_OPEN: u32 = 7;
    /// Exit reason: the guest triple-faulted.
    KVM_EXIT_SHUTDOWN: u32 = 8;
    /// Exit reason: the hardware refused to enter the guest.
    KVM_EXIT_FAIL_ENTRY: u32 = 9;
    /// Exit reason: a signal interrupted `KVM_RUN`.
    KVM_EXIT_INTR: u32 = 10;
    /// Exit reason: KVM failed to emulate an instruction or handle an exit.
    KVM_EXIT_INTERNAL_ERROR: u32 = 17;
    /// Exit reason: a system event such as a reset or shutdown request.
    KVM_EXIT_SYSTEM_EVENT: u32 = 24;

    /// `kvm_run.io.direction`: the guest reads from the port.
    KVM_EXIT_IO_IN: u8 = 0;
    /// `kvm_run.io.direction`: the guest writes to the port.
    KVM_EXIT_IO_OUT: u8 = 1;

    /// `kvm_create_device.type`: a VFIO pseudo-device.
    KVM_DEV_TYPE_VFIO: u32 = 4;
    /// `kvm_create_device.flags`: only test whether the device type is supported.
    KVM_CREATE_DEVICE_TEST: u32 = 1;
}
