//! The in-kernel interrupt controllers (PIC, IOAPIC), the PIT, MSIs, irqfds and
//! ioeventfds of VM fds, with their payload structs.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types)]

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

use ioctl_core::{ioctl, AnyBitPattern, StructLayout};

use super::state::zeroed_default;
use super::{kvm_irq_routing, Vm, KVM_IOAPIC_NUM_PINS};

ioctl! {
    // SAFETY: every declaration below matches `linux/kvm.h` and `asm/kvm.h` of Linux 6.1
    // (direction, number, payload type and return value); the header test compares each
    // number and payload layout. The payloads hold no host addresses: of the routing
    // entry kinds, only the s390 adapter carries addresses, and x86 KVM rejects that kind
    // with EINVAL (`kvm_set_routing_entry` in arch/x86/kvm/irq_comm.c). KVM_SET_GSI_ROUTING
    // reads `nr` entries after the header.
    unsafe {
        group 0xAE;

        /// The ioctls of this file, in declaration order.
        pub(crate) table KVM_IRQ_IOCTLS;

        /// Creates the in-kernel PIC, IOAPIC and local APICs; call it before creating vCPUs.
        pub none KVM_CREATE_IRQCHIP = 0x60 on Vm -> zero;
        /// Sets the level of an interrupt line (GSI).
        pub write KVM_IRQ_LINE = 0x61 => kvm_irq_level on Vm -> zero;
        /// Reads the state of the PIC or IOAPIC that `chip_id` names.
        pub readwrite KVM_GET_IRQCHIP = 0x62 => kvm_irqchip on Vm -> zero;
        /// Writes the state of the PIC or IOAPIC that `chip_id` names.
        ///
        /// The header encodes it `_IOR` (`#define KVM_SET_IRQCHIP _IOR(KVMIO, 0x63, struct
        /// kvm_irqchip)`), but the kernel only reads the payload, so the call borrows it.
        pub read KVM_SET_IRQCHIP = 0x63 => kvm_irqchip as write on Vm -> zero;
        /// Creates the in-kernel PIT with the speaker port as a dummy (`KVM_CREATE_PIT2`
        /// takes flags).
        pub none KVM_CREATE_PIT = 0x64 on Vm -> zero;
        /// Reads the PIT's channel state.
        pub readwrite KVM_GET_PIT = 0x65 => kvm_pit_state on Vm -> zero;
        /// Writes the PIT's channel state.
        ///
        /// The header encodes it `_IOR` (`#define KVM_SET_PIT _IOR(KVMIO, 0x66, struct
        /// kvm_pit_state)`), but the kernel only reads the payload, so the call borrows it.
        pub read KVM_SET_PIT = 0x66 => kvm_pit_state as write on Vm -> zero;
        /// Sets the level of an interrupt line and returns whether it was delivered in the
        /// payload's `status`.
        pub readwrite KVM_IRQ_LINE_STATUS = 0x67 => kvm_irq_level on Vm -> zero;
        /// Replaces the GSI routing table; needs an in-kernel irqchip.
        pub write KVM_SET_GSI_ROUTING = 0x6A => kvm_irq_routing[] on Vm -> zero;
        /// Sets whether missed PIT ticks are reinjected.
        ///
        /// The header encodes it `_IO` without a payload (`#define KVM_REINJECT_CONTROL
        /// _IO(KVMIO, 0x71)`), but the kernel copies a `struct kvm_reinject_control` from
        /// the argument. The DSL cannot attach a payload to a `none` number, so the number
        /// is given whole as `raw 0xAE71`, which the header test checks like any other.
        pub write KVM_REINJECT_CONTROL = raw 0xAE71 => kvm_reinject_control on Vm -> zero;
        /// Binds an eventfd to a GSI: a write to the eventfd raises the interrupt.
        pub write KVM_IRQFD = 0x76 => kvm_irqfd on Vm -> zero;
        /// Creates the in-kernel PIT.
        pub write KVM_CREATE_PIT2 = 0x77 => kvm_pit_config on Vm -> zero;
        /// Binds an eventfd to guest writes of an MMIO address or port.
        pub write KVM_IOEVENTFD = 0x79 => kvm_ioeventfd on Vm -> zero;
        /// Reads the PIT's state with its flags.
        pub read KVM_GET_PIT2 = 0x9F => kvm_pit_state2 on Vm;
        /// Writes the PIT's state with its flags.
        pub write KVM_SET_PIT2 = 0xA0 => kvm_pit_state2 on Vm -> zero;
        /// Injects a message-signalled interrupt; returns 0 when the guest blocked it and a
        /// positive value when it was delivered.
        pub write KVM_SIGNAL_MSI = 0xA5 => kvm_msi on Vm -> count;
    }
}

/// `struct kvm_irq_level`: a GSI and its level. C's first field is a union of `irq` (in)
/// and `status` (out, for `KVM_IRQ_LINE_STATUS`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_irq_level {
    /// The GSI in, the delivery status out.
    pub irq: u32,
    /// The line level, 0 or 1.
    pub level: u32,
}

/// `struct kvm_pic_state`: one 8259 PIC.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_pic_state {
    pub last_irr: u8,
    pub irr: u8,
    pub imr: u8,
    pub isr: u8,
    pub priority_add: u8,
    pub irq_base: u8,
    pub read_reg_select: u8,
    pub poll: u8,
    pub special_mask: u8,
    pub init_state: u8,
    pub auto_eoi: u8,
    pub rotate_on_auto_eoi: u8,
    pub special_fully_nested_mode: u8,
    pub init4: u8,
    pub elcr: u8,
    pub elcr_mask: u8,
}

/// `struct kvm_ioapic_state`: the IOAPIC. Each redirection entry is the 64-bit value of
/// C's `bits` view; the header also describes its bit fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_ioapic_state {
    pub base_address: u64,
    pub ioregsel: u32,
    pub id: u32,
    pub irr: u32,
    pub pad: u32,
    pub redirtbl: [u64; KVM_IOAPIC_NUM_PINS],
}

/// The `chip` union of `struct kvm_irqchip`: which member is valid depends on `chip_id`.
#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
pub union kvm_irqchip_chip {
    /// The 512 bytes that reserve the union's size.
    pub dummy: [u8; 512],
    /// For `KVM_IRQCHIP_PIC_MASTER` and `KVM_IRQCHIP_PIC_SLAVE`.
    pub pic: kvm_pic_state,
    /// For `KVM_IRQCHIP_IOAPIC`.
    pub ioapic: kvm_ioapic_state,
}

/// `struct kvm_irqchip`, the payload of `KVM_GET_IRQCHIP` and `KVM_SET_IRQCHIP`.
#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern, StructLayout)]
pub struct kvm_irqchip {
    /// `KVM_IRQCHIP_PIC_MASTER`, `KVM_IRQCHIP_PIC_SLAVE` or `KVM_IRQCHIP_IOAPIC`.
    pub chip_id: u32,
    /// Padding.
    pub pad: u32,
    /// The controller's state.
    pub chip: kvm_irqchip_chip,
}

impl kvm_irqchip {
    /// Returns the PIC state; meaningful when `chip_id` names a PIC.
    pub fn pic(&self) -> kvm_pic_state {
        // SAFETY: every member of the union is valid for every bit pattern.
        unsafe { self.chip.pic }
    }

    /// Returns the IOAPIC state; meaningful when `chip_id` is `KVM_IRQCHIP_IOAPIC`.
    pub fn ioapic(&self) -> kvm_ioapic_state {
        // SAFETY: every member of the union is valid for every bit pattern.
        unsafe { self.chip.ioapic }
    }

    /// Returns the union's bytes.
    pub fn bytes(&self) -> [u8; 512] {
        // SAFETY: every member of the union is valid for every bit pattern.
        unsafe { self.chip.dummy }
    }
}

impl fmt::Debug for kvm_irqchip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("kvm_irqchip").field("chip_id", &self.chip_id).finish_non_exhaustive()
    }
}

/// `struct kvm_pit_channel_state`: one channel of the 8254 PIT.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_pit_channel_state {
    pub count: u32,
    pub latched_count: u16,
    pub count_latched: u8,
    pub status_latched: u8,
    pub status: u8,
    pub read_state: u8,
    pub write_state: u8,
    pub write_latch: u8,
    pub rw_mode: u8,
    pub mode: u8,
    pub bcd: u8,
    pub gate: u8,
    pub count_load_time: i64,
}

/// `struct kvm_pit_state`: the three PIT channels.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_pit_state {
    /// Channels 0, 1 and 2.
    pub channels: [kvm_pit_channel_state; 3],
}

/// `struct kvm_pit_state2`: the PIT channels with flags (`KVM_PIT_FLAGS_*`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_pit_state2 {
    pub channels: [kvm_pit_channel_state; 3],
    pub flags: u32,
    pub reserved: [u32; 9],
}

/// `struct kvm_pit_config`, the payload of `KVM_CREATE_PIT2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_pit_config {
    pub flags: u32,
    pub pad: [u32; 15],
}

/// `struct kvm_reinject_control`, the payload of `KVM_REINJECT_CONTROL`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_reinject_control {
    pub pit_reinject: u8,
    pub reserved: [u8; 31],
}

/// `struct kvm_irqfd`, the payload of `KVM_IRQFD`: fds by number, no addresses.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_irqfd {
    pub fd: u32,
    pub gsi: u32,
    pub flags: u32,
    pub resamplefd: u32,
    pub pad: [u8; 16],
}

/// `struct kvm_ioeventfd`, the payload of `KVM_IOEVENTFD`: a guest physical address or
/// port and an fd by number.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_ioeventfd {
    pub datamatch: u64,
    pub addr: u64,
    pub len: u32,
    pub fd: i32,
    pub flags: u32,
    pub pad: [u8; 36],
}

/// `struct kvm_msi`, the payload of `KVM_SIGNAL_MSI`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
#[allow(missing_docs)]
pub struct kvm_msi {
    pub address_lo: u32,
    pub address_hi: u32,
    pub data: u32,
    pub flags: u32,
    pub devid: u32,
    pub pad: [u8; 12],
}

zeroed_default!(kvm_irqchip, kvm_ioeventfd);

impl Vm {
    /// Sets the level of GSI `irq` (`KVM_IRQ_LINE`).
    pub fn irq_line(&self, irq: u32, level: bool) -> io::Result<()> {
        KVM_IRQ_LINE.call(self, &kvm_irq_level { irq, level: u32::from(level) })
    }

    /// Reads the state of interrupt controller `chip_id` (`KVM_GET_IRQCHIP`).
    pub fn irqchip(&self, chip_id: u32) -> io::Result<kvm_irqchip> {
        let mut chip = kvm_irqchip { chip_id, ..kvm_irqchip::default() };
        KVM_GET_IRQCHIP.call(self, &mut chip)?;
        Ok(chip)
    }

    /// Raises GSI `gsi` whenever `event`, an eventfd, is written (`KVM_IRQFD`).
    pub fn irqfd(&self, event: BorrowedFd<'_>, gsi: u32) -> io::Result<()> {
        let fd = u32::try_from(event.as_raw_fd()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        KVM_IRQFD.call(self, &kvm_irqfd { fd, gsi, ..kvm_irqfd::default() })
    }
}
