// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub write KVM_SET_REGS = 0x82 => kvm_regs on Vcpu -> zero ; } }

/**Equals the C macro `_IOW(0xAE, 0x82, kvm_regs)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `write` | `0xae` | `0x82` | `size_of::<kvm_regs>()` | `KVM_SET_REGS.request()` |

Applies to `Vcpu` handles. The kernel reads the payload, `kvm_regs`, which the call borrows. The kernel returns 0 on success.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_SET_REGS: ::ioctl_core::__private::Ioctl<
    Vcpu,
    ::ioctl_core::__private::Write<kvm_regs>,
    ::ioctl_core::__private::Zero,
> = unsafe {
    ::ioctl_core::__private::write(::ioctl_core::__private::Spec::Encoded {
        direction: ::ioctl_core::__private::Direction::Write,
        group: 0xAEu8,
        number: 0x82u8,
        size: ::ioctl_core::__private::Size::OfArgument,
    })
};
