//! Every payload field that can carry a host address, found in the crate's layout tables,
//! and how safe code reaches it.
//!
//! A 64-bit field whose name contains `addr`, `data`, `ptr` or `bitmap` is a candidate,
//! and so are the fields listed in `OTHER_ADDRESS_FIELDS`, whose names do not tell. Each
//! candidate needs an entry in `REVIEWED`: either the kernel never uses its value as a
//! host address, or only the crate fills it, from a borrow, behind the named safe entry
//! point. A new payload with such a field fails this test until it is reviewed. The
//! trybuild case `tests/ui/address-ioctls-private.rs` of the `tests` crate checks that the
//! ioctls carrying these payloads are not public.

#![cfg(target_arch = "x86_64")]

use std::collections::BTreeSet;

use sev_ioctls::tables;

/// What the kernel does with a field's value, and how safe code reaches it.
#[derive(Clone, Copy, Debug)]
enum Reach {
    /// The kernel never dereferences the value in the host: a guest physical address, a
    /// port, an offset, or a plain value.
    NotHostAddress(&'static str),
    /// A host address that only the crate fills, from a borrow of the right size, behind
    /// the named safe entry point; the ioctl that carries it is private.
    FilledByCrate(&'static str),
}

use Reach::{FilledByCrate, NotHostAddress};

/// Fields that carry host addresses under names that the pattern does not catch.
const OTHER_ADDRESS_FIELDS: &[(&str, &str)] = &[
    ("kvm_enable_cap", "args"),
    ("kvm_xen_hvm_attr", "u"),
    ("kvm_xen_vcpu_attr", "u"),
    ("kvm_irq_routing_entry", "u"),
];

const REVIEWED: &[(&str, &str, Reach)] = &[
    ("kvm_userspace_memory_region", "guest_phys_addr", NotHostAddress("guest physical address")),
    ("kvm_userspace_memory_region", "userspace_addr", FilledByCrate("Vm::set_user_memory_region, from the GuestMemory that MemoryRegion owns")),
    ("kvm_userspace_memory_region2", "guest_phys_addr", NotHostAddress("guest physical address")),
    ("kvm_userspace_memory_region2", "userspace_addr", FilledByCrate("Vm::set_user_memory_region2, from the GuestMemory that MemoryRegion owns")),
    ("kvm_memory_attributes", "address", NotHostAddress("guest physical address")),
    ("kvm_run_io", "data_offset", NotHostAddress("offset into the kvm_run mapping, read by VcpuRun")),
    ("kvm_run_mmio", "phys_addr", NotHostAddress("guest physical address, written by the kernel")),
    ("kvm_run_mmio", "data", NotHostAddress("bytes of the access, written by the kernel")),
    ("kvm_dirty_log", "dirty_bitmap", FilledByCrate("MemoryRegion::dirty_log, from a bitmap sized from the slot")),
    ("kvm_clear_dirty_log", "dirty_bitmap", FilledByCrate("Vm::clear_dirty_log, from a borrowed bitmap checked against num_pages")),
    ("kvm_msr_filter_range", "bitmap", FilledByCrate("Vm::set_msr_filter, from MsrFilterRange's borrowed bitmap")),
    ("kvm_coalesced_mmio_zone", "addr", NotHostAddress("guest physical address or port")),
    ("kvm_enc_region", "addr", FilledByCrate("EncryptedRegion, from the GuestMemory or MemoryRegion that it borrows")),
    ("kvm_device_attr", "addr", FilledByCrate("the attribute wrappers of device.rs, from a local of the attribute's size")),
    ("kvm_one_reg", "addr", FilledByCrate("Vcpu::get_one_reg and Vcpu::set_one_reg, from a slice of the size that the id encodes")),
    ("kvm_sev_cmd", "data", FilledByCrate("Vm::sev_command, from the KvmSevCommand that it borrows")),
    ("kvm_x86_mce", "addr", NotHostAddress("value of the bank's MCi_ADDR register")),
    ("kvm_vapic_addr", "vapic_addr", NotHostAddress("guest physical address")),
    ("kvm_translation", "linear_address", NotHostAddress("guest linear address")),
    ("kvm_translation", "physical_address", NotHostAddress("guest physical address, written by the kernel")),
    ("kvm_ioapic_state", "base_address", NotHostAddress("guest physical address")),
    ("kvm_ioeventfd", "datamatch", NotHostAddress("value to match")),
    ("kvm_ioeventfd", "addr", NotHostAddress("guest physical address or port")),
    ("kvm_xen_hvm_config", "blob_addr_32", FilledByCrate("Vm::xen_hvm_config, which passes 0")),
    ("kvm_xen_hvm_config", "blob_addr_64", FilledByCrate("Vm::xen_hvm_config, which passes 0")),
    ("kvm_msr_entry", "data", NotHostAddress("MSR value")),
    ("kvm_enable_cap", "args", FilledByCrate("Vm::enable_cap and Vcpu::enable_cap accept only capabilities without addresses; Vcpu::enable_evmcs fills args[0] from a local")),
    ("kvm_xen_hvm_attr", "u", FilledByCrate("Vm::xen_hvm_set_attr accepts only the Linux 6.1 types, which carry guest addresses")),
    ("kvm_xen_vcpu_attr", "u", FilledByCrate("Vcpu::xen_set_attr accepts only the Linux 6.1 types, which carry guest addresses")),
    ("kvm_irq_routing_entry", "u", NotHostAddress("x86 KVM rejects the s390 adapter route, the only kind with host addresses")),
    ("sev_issue_cmd", "data", FilledByCrate("Sev::issue, from the FirmwareCommand that it borrows")),
    ("sev_user_data_pek_csr", "address", FilledByCrate("PekCsr, from its borrowed buffer")),
    ("sev_user_data_pek_cert_import", "pek_cert_address", FilledByCrate("PekCertImport, from its borrowed buffer")),
    ("sev_user_data_pek_cert_import", "oca_cert_address", FilledByCrate("PekCertImport, from its borrowed buffer")),
    ("sev_user_data_pdh_cert_export", "pdh_cert_address", FilledByCrate("PdhCertExport, from its borrowed buffer")),
    ("sev_user_data_pdh_cert_export", "cert_chain_address", FilledByCrate("PdhCertExport, from its borrowed buffer")),
    ("sev_user_data_get_id2", "address", FilledByCrate("GetId2, from its borrowed buffer")),
    ("sev_user_data_snp_vlek_load", "vlek_wrapped_address", FilledByCrate("SnpVlekLoad, from its borrowed hashstick")),
    ("kvm_sev_launch_start", "dh_uaddr", FilledByCrate("LaunchStart, from its borrowed certificate")),
    ("kvm_sev_launch_start", "session_uaddr", FilledByCrate("LaunchStart, from its borrowed session blob")),
    ("kvm_sev_launch_update_data", "uaddr", FilledByCrate("LaunchUpdateData, from a borrowed slice or GuestMemory range")),
    ("kvm_sev_launch_secret", "hdr_uaddr", FilledByCrate("LaunchSecret, from its borrowed header")),
    ("kvm_sev_launch_secret", "guest_uaddr", FilledByCrate("LaunchSecret, from a borrowed slice or GuestMemory range")),
    ("kvm_sev_launch_secret", "trans_uaddr", FilledByCrate("LaunchSecret, from its borrowed transport buffer")),
    ("kvm_sev_launch_measure", "uaddr", FilledByCrate("LaunchMeasure, from its borrowed buffer")),
    ("kvm_sev_dbg", "src_uaddr", FilledByCrate("DbgDecrypt and DbgEncrypt, from their borrowed buffers")),
    ("kvm_sev_dbg", "dst_uaddr", FilledByCrate("DbgDecrypt and DbgEncrypt, from their borrowed buffers")),
    ("kvm_sev_attestation_report", "uaddr", FilledByCrate("GetAttestationReport, from its borrowed buffer")),
    ("kvm_sev_send_start", "pdh_cert_uaddr", FilledByCrate("SendStart, from its borrowed buffers")),
    ("kvm_sev_send_start", "plat_certs_uaddr", FilledByCrate("SendStart, from its borrowed buffers")),
    ("kvm_sev_send_start", "amd_certs_uaddr", FilledByCrate("SendStart, from its borrowed buffers")),
    ("kvm_sev_send_start", "session_uaddr", FilledByCrate("SendStart, from its borrowed buffers")),
    ("kvm_sev_send_update_data", "hdr_uaddr", FilledByCrate("SendUpdateData, from its borrowed buffers")),
    ("kvm_sev_send_update_data", "guest_uaddr", FilledByCrate("SendUpdateData, from its borrowed buffers")),
    ("kvm_sev_send_update_data", "trans_uaddr", FilledByCrate("SendUpdateData, from its borrowed buffers")),
    ("kvm_sev_receive_start", "pdh_uaddr", FilledByCrate("ReceiveStart, from its borrowed buffers")),
    ("kvm_sev_receive_start", "session_uaddr", FilledByCrate("ReceiveStart, from its borrowed buffers")),
    ("kvm_sev_receive_update_data", "hdr_uaddr", FilledByCrate("ReceiveUpdateData, from its borrowed buffers")),
    ("kvm_sev_receive_update_data", "guest_uaddr", FilledByCrate("ReceiveUpdateData, from its borrowed buffers")),
    ("kvm_sev_receive_update_data", "trans_uaddr", FilledByCrate("ReceiveUpdateData, from its borrowed buffers")),
    ("kvm_sev_snp_launch_update", "uaddr", FilledByCrate("SnpLaunchUpdate, from its borrowed pages")),
    ("kvm_sev_snp_launch_finish", "id_block_uaddr", FilledByCrate("SnpLaunchFinish, from its borrowed id block")),
    ("kvm_sev_snp_launch_finish", "id_auth_uaddr", FilledByCrate("SnpLaunchFinish, from its borrowed id authentication")),
    ("snp_guest_request_ioctl", "req_data", FilledByCrate("SevGuest::get_report, get_derived_key and get_ext_report, from the borrowed request")),
    ("snp_guest_request_ioctl", "resp_data", FilledByCrate("SevGuest::get_report, get_derived_key and get_ext_report, from the response they allocate")),
    ("snp_ext_report_req", "certs_address", FilledByCrate("SevGuest::get_ext_report, from its borrowed certificate buffer")),
];

/// Returns whether a field name suggests an address.
fn looks_like_address(name: &str) -> bool {
    ["addr", "data", "ptr", "bitmap"].iter().any(|word| name.contains(word))
}

/// Returns every candidate `(type, field)` of the layout tables.
fn candidates() -> BTreeSet<(&'static str, &'static str)> {
    let mut found = BTreeSet::new();
    for table in tables::LAYOUTS.iter().chain(tables::UNVERIFIED_LAYOUTS) {
        for layout in *table {
            for field in layout.layout.fields {
                let named = field.size == 8 && looks_like_address(field.name);
                let listed = OTHER_ADDRESS_FIELDS.contains(&(layout.layout.name, field.name));
                if named || listed {
                    found.insert((layout.layout.name, field.name));
                }
            }
        }
    }
    found
}

#[test]
fn address_fields_are_reviewed() {
    let found = candidates();
    let reviewed: BTreeSet<(&str, &str)> = REVIEWED.iter().map(|(layout, field, _)| (*layout, *field)).collect();
    assert_eq!(reviewed.len(), REVIEWED.len(), "a field is reviewed twice");

    let unreviewed: Vec<String> = found.difference(&reviewed).map(|(layout, field)| format!("{layout}.{field}")).collect();
    assert!(
        unreviewed.is_empty(),
        "payload fields that may carry a host address, without an entry in REVIEWED:\n{}",
        unreviewed.join("\n")
    );
    let stale: Vec<String> = reviewed.difference(&found).map(|(layout, field)| format!("{layout}.{field}")).collect();
    assert!(stale.is_empty(), "REVIEWED names fields that no layout table has:\n{}", stale.join("\n"));

    for (layout, field, reach) in REVIEWED {
        match reach {
            NotHostAddress(reason) => println!("{layout}.{field}: not a host address ({reason})"),
            FilledByCrate(entry) => println!("{layout}.{field}: host address, filled by {entry}"),
        }
    }
}
