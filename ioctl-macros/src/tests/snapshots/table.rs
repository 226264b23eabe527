// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub table KVM_IOCTLS ; pub none KVM_GET_API_VERSION = 0x00 -> count ; # [cfg (target_arch = "x86_64")] pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu ; } }

/**Equals the C macro `_IO(0xAE, 0x00)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `none` | `0xae` | `0x00` | 0 | `0x0000ae00` (generic layout: x86, arm, riscv, s390x, loongarch) |

Applies to any file descriptor. Takes no argument (passes 0). Returns the kernel's non-negative return value.*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_GET_API_VERSION: ::ioctl_core::__private::Ioctl<
    ::ioctl_core::__private::AnyFd,
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
#[cfg(target_arch = "x86_64")]
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
/**

Every ioctl of this `ioctl!` invocation, in declaration order.*/
pub const KVM_IOCTLS: &[::ioctl_core::__private::IoctlInfo] = &[
    ::ioctl_core::__private::IoctlInfo {
        name: "KVM_GET_API_VERSION",
        request: KVM_GET_API_VERSION.request(),
        raw: false,
        direction: ::ioctl_core::__private::Direction::None,
        argument: ::ioctl_core::__private::ArgumentKind::None,
        argument_type: ::ioctl_core::__private::Option::None,
        argument_size: 0,
        argument_align: 1,
        flexible: false,
        retry: KVM_GET_API_VERSION.retry(),
        size_type: ::ioctl_core::__private::Option::None,
        fd_kind: ::ioctl_core::__private::Option::None,
        fd_type: ::ioctl_core::__private::Option::None,
        returns: "count",
    },
    #[cfg(target_arch = "x86_64")]
    ::ioctl_core::__private::IoctlInfo {
        name: "KVM_GET_REGS",
        request: KVM_GET_REGS.request(),
        raw: false,
        direction: ::ioctl_core::__private::Direction::Read,
        argument: ::ioctl_core::__private::ArgumentKind::Read,
        argument_type: ::ioctl_core::__private::Option::Some("kvm_regs"),
        argument_size: ::ioctl_core::__private::size_of::<kvm_regs>(),
        argument_align: ::ioctl_core::__private::align_of::<kvm_regs>(),
        flexible: false,
        retry: KVM_GET_REGS.retry(),
        size_type: ::ioctl_core::__private::Option::None,
        fd_kind: ::ioctl_core::__private::Option::Some("Vcpu"),
        fd_type: ::ioctl_core::__private::Option::Some(
            ::ioctl_core::__private::KindType::of::<Vcpu>(),
        ),
        returns: "zero",
    },
];
