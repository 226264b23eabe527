// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count ; } }

/**Equals the C macro `_IO(0xAE, 0x00)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `none` | `0xae` | `0x00` | 0 | `0x0000ae00` (generic layout: x86, arm, riscv, s390x, loongarch) |

Applies to `Kvm` handles. Takes no argument (passes 0). Returns the kernel's non-negative return value.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_GET_API_VERSION: ::ioctl_core::__private::Ioctl<
    Kvm,
    ::ioctl_core::__private::NoArg,
    ::ioctl_core::__private::Count,
> = unsafe {
    ::ioctl_core::__private::none(::ioctl_core::__private::Spec::Encoded {
        direction: ::ioctl_core::__private::Direction::None,
        group: 0xAEu8,
        number: 0x00u8,
        size: ::ioctl_core::__private::Size::Zero,
    })
};
