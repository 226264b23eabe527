//! KVM ioctls of `linux/kvm.h` (x86_64), on typed handles.
//!
//! [`Kvm`] is the `/dev/kvm` system handle, [`Vm`] a virtual machine, [`Vcpu`] a virtual
//! CPU, [`Device`] an in-kernel device and [`GuestMemfd`] a guest_memfd. Each ioctl
//! accepts only the handle kinds that the kernel serves it on, and the create ioctls
//! return the new handle, which owns its fd. Ioctls that several kinds serve are declared
//! on a kind that lists them: [`KvmOrVm`] (`KVM_CHECK_EXTENSION`), [`VmOrVcpu`]
//! (`KVM_ENABLE_CAP`, `KVM_GET_STATS_FD`, `KVM_SET_TSC_KHZ`, `KVM_GET_TSC_KHZ`) and
//! [`AttrFd`] (the device-attribute ioctls).
//!
//! # Payloads with addresses
//!
//! Ioctls whose payload holds an address that the kernel reads or writes are
//! `pub(crate)`, and safe wrappers fill the address from a borrow of the right size:
//! - `KVM_SET_USER_MEMORY_REGION`, `KVM_SET_USER_MEMORY_REGION2`: [`Vm::set_user_memory_region`]
//!   and [`Vm::set_user_memory_region2`], whose [`MemoryRegion`] guard owns the guest
//!   memory and removes the slot when dropped;
//! - `KVM_RUN`: [`VcpuRun::run`], which owns the vCPU's shared `kvm_run` area;
//! - `KVM_ENABLE_CAP`: [`Vm::enable_cap`], [`Vcpu::enable_cap`], [`Vcpu::enable_evmcs`];
//! - `KVM_GET_DIRTY_LOG`: [`MemoryRegion::dirty_log`], which sizes the bitmap from the
//!   slot;
//! - `KVM_MEMORY_ENCRYPT_REG_REGION`, `KVM_MEMORY_ENCRYPT_UNREG_REGION`: [`Vm::register_encrypted_memory`]
//!   and [`MemoryRegion::register_encrypted`], whose [`EncryptedRegion`] guard borrows
//!   the memory and the VM while the kernel keeps the range, and unregisters it when
//!   dropped;
//! - `KVM_CLEAR_DIRTY_LOG`: [`Vm::clear_dirty_log`];
//! - `KVM_X86_SET_MSR_FILTER`: [`Vm::set_msr_filter`];
//! - `KVM_GET_ONE_REG`, `KVM_SET_ONE_REG`: [`Vcpu::get_one_reg`], [`Vcpu::set_one_reg`];
//! - `KVM_SET_XSAVE`, `KVM_GET_XSAVE2`: [`Vcpu::set_xsave`], [`Vcpu::xsave2`];
//! - the device attributes: [`Device::vfio_group_add`], [`Vcpu::tsc_offset`],
//!   [`Kvm::xcomp_guest_supp`] and others in `device.rs`;
//! - `KVM_XEN_HVM_CONFIG`, `KVM_XEN_HVM_SET_ATTR`, `KVM_XEN_VCPU_SET_ATTR`:
//!   [`Vm::xen_hvm_config`], [`Vm::xen_hvm_set_attr`], [`Vcpu::xen_set_attr`];
//! - `KVM_MEMORY_ENCRYPT_OP`: [`Vm::sev_command`] with the commands of [`crate::sev`].
//!
//! # Payloads that end in a flexible array
//!
//! `KVM_GET_MSR_INDEX_LIST`, `KVM_GET_MSR_FEATURE_INDEX_LIST`, `KVM_GET_SUPPORTED_CPUID`,
//! `KVM_GET_EMULATED_CPUID`, `KVM_GET_SUPPORTED_HV_CPUID`, `KVM_GET_MSRS`,
//! `KVM_SET_MSRS`, `KVM_SET_CPUID`, `KVM_SET_CPUID2`, `KVM_GET_CPUID2`,
//! `KVM_SET_SIGNAL_MASK`, `KVM_GET_REG_LIST`, `KVM_SET_GSI_ROUTING`,
//! `KVM_SET_PMU_EVENT_FILTER` and `KVM_SET_NESTED_STATE` take a [`Flex`](ioctl_core::Flex)
//! of their header struct, which owns the header and the array and rejects a count above
//! the allocation before the kernel sees it. The request number encodes the header's size only, as in C.
//! `KVM_GET_NESTED_STATE` is reached through [`Vcpu::nested_state`], because the kernel
//! can write more than the header's `size` there. Wrappers such as
//! [`Kvm::supported_cpuid`] and [`Kvm::msr_index_list`] retry with more room on `E2BIG`:
//!
//! ```no_run
//! use sev_ioctls::kvm::{kvm_msr_list, Kvm, KVM_GET_MSR_INDEX_LIST};
//! use ioctl_core::Flex;
//!
//! # fn main() -> std::io::Result<()> {
//! let kvm = Kvm::open()?;
//!
//! // By hand: no room fails with E2BIG, and the kernel writes the count it needs.
//! let mut probe = Flex::<kvm_msr_list>::with_capacity(0)?;
//! let error = KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut probe).unwrap_err();
//! assert_eq!(error.raw_os_error(), Some(libc::E2BIG));
//! let mut list = Flex::<kvm_msr_list>::with_capacity(probe.header().nmsrs as usize)?;
//! KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut list)?;
//!
//! // With the grow-and-retry helper, which doubles the room when the kernel does not
//! // report a count, as KVM_GET_SUPPORTED_CPUID does.
//! let ((), cpuid) = sev_ioctls::kvm::KVM_GET_SUPPORTED_CPUID.call_growing(&kvm, 1, 256)?;
//! println!("{} MSRs, {} CPUID leaves", list.elements().len(), cpuid.elements().len());
//! # Ok(())
//! # }
//! ```
//!
//! # Ioctls the kernel declares oddly
//!
//! The number keeps the header's encoding and the declaration states what the kernel
//! does: `KVM_SET_IRQCHIP`, `KVM_SET_PIT`, `KVM_MEMORY_ENCRYPT_REG_REGION` and
//! `KVM_MEMORY_ENCRYPT_UNREG_REGION` are `_IOR` but only read their payload (`as write`);
//! `KVM_MEMORY_ENCRYPT_OP` is sized by `unsigned long` but takes a `kvm_sev_cmd`
//! (`size c_ulong`); `KVM_REINJECT_CONTROL` is `_IO` but reads a
//! `kvm_reinject_control` (declared with its whole number, `raw 0xAE71`).
//!
//! # Left out
//!
//! - Obsolete ioctls that Linux no longer serves: `KVM_SET_MEMORY_REGION` (0x40),
//!   `KVM_SET_MEMORY_ALIAS` (0x43), `KVM_TRACE_ENABLE`, `KVM_TRACE_PAUSE` and
//!   `KVM_TRACE_DISABLE` (0x06–0x08), the device-assignment ioctls `KVM_ASSIGN_*` and
//!   `KVM_DEASSIGN_*` (removed in Linux 4.12) and the deprecated number behind
//!   `KVM_ASSIGN_IRQ`. The headers of Linux 6.8 and later drop them too.
//! - Ioctls of other architectures: `KVM_S390_*`, `KVM_PPC_*`, `KVM_ARM_*`,
//!   `KVM_CREATE_SPAPR_TCE*`, `KVM_ALLOCATE_RMA`, `KVM_DIRTY_TLB`.
//!
//! # Newer than the installed headers
//!
//! guest_memfd, `KVM_SET_USER_MEMORY_REGION2`, `KVM_SET_MEMORY_ATTRIBUTES` and the
//! `KVM_X86_*_VM` types are in [`KVM_UNVERIFIED_IOCTLS`] and
//! [`KVM_UNVERIFIED_CONSTANTS`]: they come from the kernel documentation, and gcc does not
//! check them against the Linux 6.1 headers of this machine.

use ioctl_core::IoctlInfo;

use crate::tables::{concat, total_len, CLayout, CType};

mod caps;
mod consts;
mod device;
mod encrypt;
mod flexible;
mod irq;
mod kinds;
mod memory;
mod newer;
mod run;
mod state;
mod system;
mod types;
mod vcpu;
mod vm;
mod xen;

pub use caps::*;
pub use consts::*;
pub use device::*;
pub use encrypt::*;
pub use flexible::*;
pub use irq::*;
pub use kinds::*;
pub use memory::{GuestMemory, MemoryRegion};
pub use newer::*;
pub use run::{Exit, IoDirection, VcpuRun};
pub use state::*;
pub use system::*;
pub use types::*;
pub use vcpu::*;
pub use vm::*;
pub use xen::*;

pub(crate) use vcpu::KVM_RUN;
pub(crate) use vm::KVM_SET_USER_MEMORY_REGION;

const IOCTL_PARTS: &[&[IoctlInfo]] = &[
    system::KVM_SYSTEM_IOCTLS,
    vm::KVM_VM_IOCTLS,
    irq::KVM_IRQ_IOCTLS,
    encrypt::KVM_ENCRYPT_IOCTLS,
    xen::KVM_XEN_IOCTLS,
    vcpu::KVM_VCPU_IOCTLS,
    device::KVM_DEVICE_IOCTLS,
];

/// Every KVM ioctl that this module declares and the installed headers define, grouped by
/// fd kind. Newer ones are in [`KVM_UNVERIFIED_IOCTLS`].
pub const KVM_IOCTLS: &[IoctlInfo] = &concat::<IoctlInfo, { total_len(IOCTL_PARTS) }>(IOCTL_PARTS);

/// The layout of every payload type of this module, with the C type it mirrors.
pub const PAYLOAD_LAYOUTS: &[CLayout] = &[
    CLayout::of::<kvm_regs>(),
    CLayout::of::<kvm_segment>(),
    CLayout::of::<kvm_dtable>(),
    CLayout::of::<kvm_sregs>(),
    CLayout::of::<kvm_userspace_memory_region>(),
    CLayout::of::<kvm_create_device>(),
    CLayout::of::<kvm_run>().renamed(&[("exit", "padding")]),
    CLayout::member_of::<kvm_run_io>("struct kvm_run", "io"),
    CLayout::member_of::<kvm_run_mmio>("struct kvm_run", "mmio"),
    CLayout::member_of::<kvm_run_fail_entry>("struct kvm_run", "fail_entry"),
    CLayout::member_of::<kvm_run_internal>("struct kvm_run", "internal"),
    CLayout::of::<kvm_clock_data>(),
    CLayout::of::<kvm_enable_cap>(),
    CLayout::of::<kvm_dirty_log>(),
    CLayout::of::<kvm_clear_dirty_log>(),
    CLayout::of::<kvm_msr_filter_range>(),
    CLayout::of::<kvm_msr_filter>(),
    CLayout::of::<kvm_coalesced_mmio_zone>(),
    CLayout::of::<kvm_enc_region>(),
    CLayout::of::<kvm_device_attr>(),
    CLayout::of::<kvm_one_reg>(),
    CLayout::of::<kvm_sev_cmd>(),
    CLayout::of::<kvm_fpu>(),
    CLayout::of::<kvm_lapic_state>(),
    CLayout::of::<kvm_xsave>(),
    CLayout::of::<kvm_xsave_area>().mirrors(CType::Struct("kvm_xsave")).flexible("extra"),
    CLayout::of::<kvm_xcr>(),
    CLayout::of::<kvm_xcrs>(),
    CLayout::of::<kvm_debugregs>(),
    CLayout::of::<kvm_vcpu_events>(),
    CLayout::member_of::<kvm_vcpu_events_exception>("struct kvm_vcpu_events", "exception"),
    CLayout::member_of::<kvm_vcpu_events_interrupt>("struct kvm_vcpu_events", "interrupt"),
    CLayout::member_of::<kvm_vcpu_events_nmi>("struct kvm_vcpu_events", "nmi"),
    CLayout::member_of::<kvm_vcpu_events_smi>("struct kvm_vcpu_events", "smi"),
    CLayout::member_of::<kvm_vcpu_events_triple_fault>("struct kvm_vcpu_events", "triple_fault"),
    CLayout::of::<kvm_mp_state>(),
    CLayout::of::<kvm_sregs2>(),
    CLayout::of::<kvm_guest_debug_arch>(),
    CLayout::of::<kvm_guest_debug>(),
    CLayout::of::<kvm_x86_mce>(),
    CLayout::of::<kvm_tpr_access_ctl>(),
    CLayout::of::<kvm_vapic_addr>(),
    CLayout::of::<kvm_translation>(),
    CLayout::of::<kvm_interrupt>(),
    CLayout::of::<kvm_irq_level>(),
    CLayout::of::<kvm_pic_state>(),
    CLayout::of::<kvm_ioapic_state>(),
    CLayout::member_of::<kvm_irqchip_chip>("struct kvm_irqchip", "chip"),
    CLayout::of::<kvm_irqchip>(),
    CLayout::of::<kvm_pit_channel_state>(),
    CLayout::of::<kvm_pit_state>(),
    CLayout::of::<kvm_pit_state2>(),
    CLayout::of::<kvm_pit_config>(),
    CLayout::of::<kvm_reinject_control>(),
    CLayout::of::<kvm_irqfd>(),
    CLayout::of::<kvm_ioeventfd>(),
    CLayout::of::<kvm_msi>(),
    CLayout::of::<kvm_xen_hvm_config>(),
    CLayout::of::<kvm_xen_hvm_attr>(),
    CLayout::of::<kvm_xen_vcpu_attr>(),
    CLayout::of::<kvm_irq_routing_xen_evtchn>(),
    CLayout::of::<kvm_hyperv_eventfd>(),
    CLayout::flex_header::<kvm_msr_list>("indices", "indices[0]"),
    CLayout::of::<kvm_msr_entry>(),
    CLayout::flex_header::<kvm_msrs>("entries", "entries[0]"),
    CLayout::of::<kvm_cpuid_entry>(),
    CLayout::flex_header::<kvm_cpuid>("entries", "entries[0]"),
    CLayout::of::<kvm_cpuid_entry2>(),
    CLayout::flex_header::<kvm_cpuid2>("entries", "entries[0]"),
    CLayout::flex_header::<kvm_signal_mask>("sigset", "sigset[0]"),
    CLayout::flex_header::<kvm_reg_list>("reg", "reg[0]"),
    CLayout::of::<kvm_irq_routing_irqchip>(),
    CLayout::of::<kvm_irq_routing_msi>(),
    CLayout::of::<kvm_irq_routing_hv_sint>(),
    CLayout::of::<kvm_irq_routing_entry>(),
    CLayout::flex_header::<kvm_irq_routing>("entries", "entries[0]"),
    CLayout::flex_header::<kvm_pmu_event_filter>("events", "events[0]"),
    CLayout::of::<kvm_vmx_nested_state_hdr>(),
    CLayout::of::<kvm_svm_nested_state_hdr>(),
    CLayout::member_of::<kvm_nested_state_hdr>("struct kvm_nested_state", "hdr"),
    CLayout::flex_header::<kvm_nested_state>("data", "data.vmx[0].vmcs12[0]"),
];
