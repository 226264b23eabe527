// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub readwrite KVM_CREATE_DEVICE = 0xE0 => kvm_create_device on Vm ; } }

/**Equals the C macro `_IOWR(0xAE, 0xE0, kvm_create_device)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `readwrite` | `0xae` | `0xe0` | `size_of::<kvm_create_device>()` | `KVM_CREATE_DEVICE.request()` |

Applies to `Vm` handles. The kernel reads and rewrites the payload, `kvm_create_device`, which the call borrows mutably. Returns the kernel's non-negative return value.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_CREATE_DEVICE: ::ioctl_core::__private::Ioctl<
    Vm,
    ::ioctl_core::__private::ReadWrite<kvm_create_device>,
    ::ioctl_core::__private::Count,
> = unsafe {
    ::ioctl_core::__private::read_write(::ioctl_core::__private::Spec::Encoded {
        direction: ::ioctl_core::__private::Direction::ReadWrite,
        group: 0xAEu8,
        number: 0xE0u8,
        size: ::ioctl_core::__private::Size::OfArgument,
    })
};
