// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu ; } }

/**Equals the C macro `_IOR(0xAE, 0x81, kvm_regs)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `read` | `0xae` | `0x81` | `size_of::<kvm_regs>()` | `KVM_GET_REGS.request()` |

Applies to `Vcpu` handles. The kernel writes the payload, `kvm_regs`, which the call returns. The kernel returns 0 on success.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_GET_REGS: ::ioctl_core::__private::Ioctl<
    Vcpu,
    ::ioctl_core::__private::Read<kvm_regs>,
    ::ioctl_core::__private::Zero,
> = unsafe {
    ::ioctl_core::__private::read(::ioctl_core::__private::Spec::Encoded {
        direction: ::ioctl_core::__private::Direction::Read,
        group: 0xAEu8,
        number: 0x81u8,
        size: ::ioctl_core::__private::Size::OfArgument,
    })
};
