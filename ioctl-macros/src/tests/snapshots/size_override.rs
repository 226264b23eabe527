// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub readwrite KVM_MEMORY_ENCRYPT_OP = 0xBA => kvm_sev_cmd size c_ulong on Vm ; } }

/**Equals the C macro `_IOWR(0xAE, 0xBA, c_ulong)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `readwrite` | `0xae` | `0xba` | `size_of::<c_ulong>()` | `KVM_MEMORY_ENCRYPT_OP.request()` |

Applies to `Vm` handles. The kernel reads and rewrites the payload, `kvm_sev_cmd`, which the call borrows mutably. Returns the kernel's non-negative return value.

Kernel quirk: the header sizes the number by `c_ulong`, but the argument is a `kvm_sev_cmd`.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_MEMORY_ENCRYPT_OP: ::ioctl_core::__private::Ioctl<
    Vm,
    ::ioctl_core::__private::ReadWrite<kvm_sev_cmd>,
    ::ioctl_core::__private::Count,
> = unsafe {
    ::ioctl_core::__private::read_write(
        ::ioctl_core::__private::Spec::Raw(
            ::ioctl_core::__private::Layout::NATIVE
                .request(
                    ::ioctl_core::__private::Direction::ReadWrite,
                    0xAEu8,
                    0xBAu8,
                    ::ioctl_core::__private::size_of::<c_ulong>(),
                ),
        ),
    )
};
