// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu ; pub read TOO_LARGE = 0x100 => u8 ; pub write NO_PAYLOAD = 0x82 ; pub none KVM_RUN = 0x80 on Vcpu -> count ; } }

::core::compile_error! {
    "the ioctl number 256 (0x100) does not fit in 8 bits; write a value from 0 to 0xFF"
}
::core::compile_error! {
    "a `write` ioctl needs a payload type; add `=> Type` after the number"
}
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
/**Equals the C macro `_IO(0xAE, 0x80)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `none` | `0xae` | `0x80` | 0 | `0x0000ae80` (generic layout: x86, arm, riscv, s390x, loongarch) |

Applies to `Vcpu` handles. Takes no argument (passes 0). Returns the kernel's non-negative return value.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_RUN: ::ioctl_core::__private::Ioctl<
    Vcpu,
    ::ioctl_core::__private::NoArg,
    ::ioctl_core::__private::Count,
> = unsafe {
    ::ioctl_core::__private::none(::ioctl_core::__private::Spec::Encoded {
        direction: ::ioctl_core::__private::Direction::None,
        group: 0xAEu8,
        number: 0x80u8,
        size: ::ioctl_core::__private::Size::Zero,
    })
};
