// Expansion of:
// ioctl! { unsafe { group 0xAE ; pub read KVM_MEMORY_ENCRYPT_REG_REGION = 0xBB => kvm_enc_region as write on Vm ; } }

/**Equals the C macro `_IOR(0xAE, 0xBB, kvm_enc_region)`.

| direction | group | number | size (bytes) | request number |
|---|---|---|---|---|
| `read` | `0xae` | `0xbb` | `size_of::<kvm_enc_region>()` | `KVM_MEMORY_ENCRYPT_REG_REGION.request()` |

Applies to `Vm` handles. The kernel reads the payload, `kvm_enc_region`, which the call borrows. Returns the kernel's non-negative return value.

Kernel quirk: the number encodes `read`, but the kernel only reads the payload (`as write`).*/
#[allow(clippy::undocumented_unsafe_blocks)]
pub const KVM_MEMORY_ENCRYPT_REG_REGION: ::ioctl_core::__private::Ioctl<
    Vm,
    ::ioctl_core::__private::Write<kvm_enc_region>,
    ::ioctl_core::__private::Count,
> = unsafe {
    ::ioctl_core::__private::write(::ioctl_core::__private::Spec::Encoded {
        direction: ::ioctl_core::__private::Direction::Read,
        group: 0xAEu8,
        number: 0xBBu8,
        size: ::ioctl_core::__private::Size::OfArgument,
    })
};
