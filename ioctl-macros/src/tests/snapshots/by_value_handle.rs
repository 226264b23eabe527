// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm ; } }

/**Equals the C macro `_IO(0xAE, 0x01)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `none` | `0xae` | `0x01` | 0 | `0x0000ae01` (generic layout: x86, arm, riscv, s390x, loongarch) |

Applies to `Kvm` handles. Takes a `c_ulong` by value. Returns a new file descriptor as a typed handle.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_CREATE_VM: ::ioctl_core::__private::Ioctl<
    Kvm,
    ::ioctl_core::__private::Value<c_ulong>,
    ::ioctl_core::__private::Typed<Vm>,
> = {
    let declared = unsafe {
        ::ioctl_core::__private::value(::ioctl_core::__private::Spec::Encoded {
            direction: ::ioctl_core::__private::Direction::None,
            group: 0xAEu8,
            number: 0x01u8,
            size: ::ioctl_core::__private::Size::Zero,
        })
    };
    ::ioctl_core::__private::returning(declared)
};
