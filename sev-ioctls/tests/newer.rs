//! Declarations newer than the installed Linux 6.1 headers, compared with values worked
//! out by hand from the UAPI headers of Linux 6.11 (`include/uapi/linux/kvm.h`,
//! `arch/x86/include/uapi/asm/kvm.h`, `include/uapi/linux/psp-sev.h`): the `_IOW` and
//! `_IOWR` definitions with the C sizes of their structs. gcc cannot check these here.

#![cfg(target_arch = "x86_64")]

use std::mem::{offset_of, size_of};

use sev_ioctls::kvm::*;
use sev_ioctls::sev::snp::*;

#[test]
fn newer_kvm_request_numbers() {
    // _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2), 160 bytes; the constant is
    // crate-private, so it is read from the table.
    let region2 = KVM_UNVERIFIED_IOCTLS.iter().find(|info| info.name == "KVM_SET_USER_MEMORY_REGION2").unwrap();
    assert_eq!(region2.request, 0x40a0_ae49);
    // _IOW(KVMIO, 0xd2, struct kvm_memory_attributes), 32 bytes.
    assert_eq!(KVM_SET_MEMORY_ATTRIBUTES.request(), 0x4020_aed2);
    // _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd), 64 bytes.
    assert_eq!(KVM_CREATE_GUEST_MEMFD.request(), 0xc040_aed4);
}

#[test]
fn newer_kvm_layouts() {
    assert_eq!(size_of::<kvm_userspace_memory_region2>(), 160);
    assert_eq!(offset_of!(kvm_userspace_memory_region2, guest_memfd_offset), 32);
    assert_eq!(offset_of!(kvm_userspace_memory_region2, guest_memfd), 40);
    assert_eq!(size_of::<kvm_memory_attributes>(), 32);
    assert_eq!(size_of::<kvm_create_guest_memfd>(), 64);
}

#[test]
fn newer_sev_layouts() {
    assert_eq!(size_of::<kvm_sev_init>(), 48);
    assert_eq!(offset_of!(kvm_sev_init, ghcb_version), 12);
    assert_eq!(size_of::<kvm_sev_snp_launch_start>(), 64);
    assert_eq!(offset_of!(kvm_sev_snp_launch_start, flags), 24);
    assert_eq!(size_of::<kvm_sev_snp_launch_update>(), 64);
    assert_eq!(offset_of!(kvm_sev_snp_launch_update, type_), 24);
    assert_eq!(size_of::<kvm_sev_snp_launch_finish>(), 88);
    assert_eq!(offset_of!(kvm_sev_snp_launch_finish, host_data), 19);
    assert_eq!(offset_of!(kvm_sev_snp_launch_finish, flags), 54);
    assert_eq!(size_of::<sev_user_data_snp_status>(), 32);
    assert_eq!(offset_of!(sev_user_data_snp_status, current_tcb_version), 16);
    assert_eq!(size_of::<sev_user_data_snp_config>(), 64);
    assert_eq!(size_of::<sev_user_data_snp_vlek_load>(), 16);
    assert_eq!(size_of::<sev_user_data_snp_wrapped_vlek_hashstick>(), 432);
}

#[test]
fn newer_sub_command_ids() {
    let ids: Vec<(&str, u32)> = SEV_UNVERIFIED_COMMANDS.iter().map(|command| (command.name, command.id)).collect();
    assert_eq!(
        ids,
        [
            ("SNP_PLATFORM_STATUS", 9),
            ("SNP_COMMIT", 10),
            ("SNP_SET_CONFIG", 11),
            ("SNP_VLEK_LOAD", 12),
            ("KVM_SEV_INIT2", 22),
            ("KVM_SEV_SNP_LAUNCH_START", 100),
            ("KVM_SEV_SNP_LAUNCH_UPDATE", 101),
            ("KVM_SEV_SNP_LAUNCH_FINISH", 102),
        ]
    );
}
