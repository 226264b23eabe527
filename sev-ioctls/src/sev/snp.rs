//! SEV-SNP UAPI that is newer than the Linux 6.1 headers installed here: the SNP
//! firmware commands of `/dev/sev` (Linux 6.11), `KVM_SEV_INIT2` (Linux 6.10) and the SNP
//! launch commands of `KVM_MEMORY_ENCRYPT_OP` (Linux 6.11).
//!
//! NOTE: these ids and layouts come from the kernel documentation
//! (`Documentation/virt/kvm/x86/amd-memory-encryption.rst`) and the UAPI headers of Linux
//! 6.11, not from the installed headers, so gcc does not check them on this machine.

// Field names and meanings are those of the C header, which documents them.
#![allow(non_camel_case_types, missing_docs)]

use ioctl_core::{AnyBitPattern, StructLayout, TypeLayout};

use super::firmware::{FirmwareCommand, Sev};
use super::launch::{entry, kvm_command_with_payload, KvmSevCommand};
use super::{input, sealed, SevError};
use crate::kvm::zeroed_default;
use crate::tables::{CLayout, SubCommand};

/// `SNP_PLATFORM_STATUS` of `SEV_ISSUE_CMD`.
pub const SNP_PLATFORM_STATUS: u32 = 9;
/// `SNP_COMMIT` of `SEV_ISSUE_CMD`.
pub const SNP_COMMIT: u32 = 10;
/// `SNP_SET_CONFIG` of `SEV_ISSUE_CMD`.
pub const SNP_SET_CONFIG: u32 = 11;
/// `SNP_VLEK_LOAD` of `SEV_ISSUE_CMD`.
pub const SNP_VLEK_LOAD: u32 = 12;
/// `KVM_SEV_INIT2` of `KVM_MEMORY_ENCRYPT_OP`.
pub const KVM_SEV_INIT2: u32 = 22;
/// `KVM_SEV_SNP_LAUNCH_START` of `KVM_MEMORY_ENCRYPT_OP`.
pub const KVM_SEV_SNP_LAUNCH_START: u32 = 100;
/// `KVM_SEV_SNP_LAUNCH_UPDATE` of `KVM_MEMORY_ENCRYPT_OP`.
pub const KVM_SEV_SNP_LAUNCH_UPDATE: u32 = 101;
/// `KVM_SEV_SNP_LAUNCH_FINISH` of `KVM_MEMORY_ENCRYPT_OP`.
pub const KVM_SEV_SNP_LAUNCH_FINISH: u32 = 102;

/// `KVM_SEV_SNP_LAUNCH_UPDATE` page type: normal, measured data.
pub const KVM_SEV_SNP_PAGE_TYPE_NORMAL: u8 = 0x1;
/// `KVM_SEV_SNP_LAUNCH_UPDATE` page type: a zero page; `uaddr` is not read.
pub const KVM_SEV_SNP_PAGE_TYPE_ZERO: u8 = 0x3;
/// `KVM_SEV_SNP_LAUNCH_UPDATE` page type: unmeasured data.
pub const KVM_SEV_SNP_PAGE_TYPE_UNMEASURED: u8 = 0x4;
/// `KVM_SEV_SNP_LAUNCH_UPDATE` page type: the secrets page.
pub const KVM_SEV_SNP_PAGE_TYPE_SECRETS: u8 = 0x5;
/// `KVM_SEV_SNP_LAUNCH_UPDATE` page type: the CPUID page; on a firmware rejection the
/// kernel writes the corrected page back to `uaddr`.
pub const KVM_SEV_SNP_PAGE_TYPE_CPUID: u8 = 0x6;

/// `struct sev_user_data_snp_status` (packed), the output of `SNP_PLATFORM_STATUS`. The
/// bytes at offsets 3 and 8 are C bit fields (`is_rmp_initialized`, and `mask_chip_id`
/// through `ciphertext_hiding_en`).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_user_data_snp_status {
    pub api_major: u8,
    pub api_minor: u8,
    pub state: u8,
    pub rmp_flags: u8,
    pub build_id: u32,
    pub feature_flags: u32,
    pub guest_count: u32,
    pub current_tcb_version: u64,
    pub reported_tcb_version: u64,
}

/// `struct sev_user_data_snp_config` (packed), the payload of `SNP_SET_CONFIG`. The
/// 32-bit word at offset 8 holds the `mask_chip_id` and `mask_chip_key` bit fields.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_user_data_snp_config {
    pub reported_tcb: u64,
    pub flags: u32,
    pub rsvd1: [u8; 52],
}

/// `struct sev_user_data_snp_vlek_load` (packed), the payload of `SNP_VLEK_LOAD`.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_user_data_snp_vlek_load {
    pub len: u32,
    pub vlek_wrapped_version: u8,
    pub rsvd: [u8; 3],
    pub vlek_wrapped_address: u64,
}

/// `struct sev_user_data_snp_wrapped_vlek_hashstick` (packed): a wrapped VLEK.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct sev_user_data_snp_wrapped_vlek_hashstick {
    pub data: [u8; 432],
}

/// `struct kvm_sev_init`, the payload of `KVM_SEV_INIT2`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_init {
    pub vmsa_features: u64,
    pub flags: u32,
    pub ghcb_version: u16,
    pub pad1: u16,
    pub pad2: [u32; 8],
}

/// `struct kvm_sev_snp_launch_start`, the payload of `KVM_SEV_SNP_LAUNCH_START`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_snp_launch_start {
    pub policy: u64,
    pub gosvw: [u8; 16],
    pub flags: u16,
    pub pad0: [u8; 6],
    pub pad1: [u64; 4],
}

/// `struct kvm_sev_snp_launch_update`, the payload of `KVM_SEV_SNP_LAUNCH_UPDATE`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_snp_launch_update {
    pub gfn_start: u64,
    pub uaddr: u64,
    pub len: u64,
    pub type_: u8,
    pub pad0: u8,
    pub flags: u16,
    pub pad1: u32,
    pub pad2: [u64; 4],
}

/// `KVM_SEV_SNP_ID_BLOCK_SIZE`: the size of the ID block.
pub const KVM_SEV_SNP_ID_BLOCK_SIZE: usize = 96;
/// `KVM_SEV_SNP_ID_AUTH_SIZE`: the size of the ID authentication information.
pub const KVM_SEV_SNP_ID_AUTH_SIZE: usize = 4096;

/// `struct kvm_sev_snp_launch_finish`, the payload of `KVM_SEV_SNP_LAUNCH_FINISH`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
pub struct kvm_sev_snp_launch_finish {
    pub id_block_uaddr: u64,
    pub id_auth_uaddr: u64,
    pub id_block_en: u8,
    pub auth_key_en: u8,
    pub vcek_disabled: u8,
    pub host_data: [u8; 32],
    pub pad0: [u8; 3],
    pub flags: u16,
    pub pad1: [u64; 4],
}

zeroed_default!(sev_user_data_snp_config, sev_user_data_snp_wrapped_vlek_hashstick);

/// `SNP_PLATFORM_STATUS`: reads the SNP platform status into [`status`](Self::status).
#[derive(Clone, Copy, Debug, Default)]
pub struct SnpPlatformStatus {
    /// The status that the kernel wrote.
    pub status: sev_user_data_snp_status,
}

impl sealed::Sealed for SnpPlatformStatus {}

impl FirmwareCommand for SnpPlatformStatus {
    const ID: u32 = SNP_PLATFORM_STATUS;
    const NAME: &'static str = "SNP_PLATFORM_STATUS";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_snp_status>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        // SAFETY: the kernel writes one `sev_user_data_snp_status` to `data`, which points
        // to `self.status`, exclusively borrowed for the call.
        unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(self.status) as u64) }
    }
}

/// `SNP_COMMIT`: commits the current firmware version as the minimum.
#[derive(Clone, Copy, Debug, Default)]
pub struct SnpCommit;

impl sealed::Sealed for SnpCommit {}

impl FirmwareCommand for SnpCommit {
    const ID: u32 = SNP_COMMIT;
    const NAME: &'static str = "SNP_COMMIT";
    const PAYLOAD: Option<TypeLayout> = None;

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        // SAFETY: the command takes no payload, and the kernel ignores `data`.
        unsafe { sev.issue_raw(Self::ID, 0) }
    }
}

/// `SNP_SET_CONFIG`: sets the reported TCB and the chip-id masking.
#[derive(Clone, Copy, Debug, Default)]
pub struct SnpSetConfig {
    /// The configuration that the kernel reads.
    pub config: sev_user_data_snp_config,
}

impl sealed::Sealed for SnpSetConfig {}

impl FirmwareCommand for SnpSetConfig {
    const ID: u32 = SNP_SET_CONFIG;
    const NAME: &'static str = "SNP_SET_CONFIG";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_snp_config>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        // SAFETY: the kernel reads one `sev_user_data_snp_config` at `data`, which points
        // to `self.config`; the struct holds no addresses.
        unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(self.config) as u64) }
    }
}

/// `SNP_VLEK_LOAD`: loads a wrapped VLEK from a borrowed hashstick.
#[derive(Clone, Copy, Debug)]
pub struct SnpVlekLoad<'a> {
    /// The wrapped VLEK.
    pub hashstick: &'a sev_user_data_snp_wrapped_vlek_hashstick,
}

impl sealed::Sealed for SnpVlekLoad<'_> {}

impl FirmwareCommand for SnpVlekLoad<'_> {
    const ID: u32 = SNP_VLEK_LOAD;
    const NAME: &'static str = "SNP_VLEK_LOAD";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<sev_user_data_snp_vlek_load>());

    fn issue_on(&mut self, sev: &Sev) -> Result<(), SevError> {
        let mut payload = sev_user_data_snp_vlek_load {
            len: size_of::<sev_user_data_snp_vlek_load>() as u32,
            vlek_wrapped_version: 0,
            rsvd: [0; 3],
            vlek_wrapped_address: core::ptr::from_ref(self.hashstick) as u64,
        };
        // SAFETY: the kernel reads one hashstick (432 bytes) at `vlek_wrapped_address`,
        // which points to `self.hashstick`, borrowed for the call.
        unsafe { sev.issue_raw(Self::ID, core::ptr::addr_of_mut!(payload) as u64) }
    }
}

/// `KVM_SEV_INIT2`: makes a VM of type `KVM_X86_SEV_VM`, `KVM_X86_SEV_ES_VM` or
/// `KVM_X86_SNP_VM` an encrypted guest with the given VMSA features and GHCB version.
#[derive(Clone, Copy, Debug, Default)]
pub struct Init2 {
    raw: kvm_sev_init,
}

impl Init2 {
    /// Initializes with `vmsa_features` and `ghcb_version`.
    pub fn new(vmsa_features: u64, ghcb_version: u16) -> Init2 {
        Init2 { raw: kvm_sev_init { vmsa_features, ghcb_version, ..kvm_sev_init::default() } }
    }
}

impl sealed::Sealed for Init2 {}

// SAFETY: the payload holds no addresses; `prepare` returns the address of `raw`.
unsafe impl KvmSevCommand for Init2 {
    const ID: u32 = KVM_SEV_INIT2;
    const NAME: &'static str = "KVM_SEV_INIT2";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<kvm_sev_init>());

    fn prepare(&mut self) -> Result<u64, SevError> {
        Ok(core::ptr::addr_of_mut!(self.raw) as u64)
    }
}

/// `KVM_SEV_SNP_LAUNCH_START`: creates an SNP guest context with `policy`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SnpLaunchStart {
    raw: kvm_sev_snp_launch_start,
}

impl SnpLaunchStart {
    /// Starts a launch with `policy` and the guest OS visible workarounds `gosvw`.
    pub fn new(policy: u64, gosvw: [u8; 16]) -> SnpLaunchStart {
        SnpLaunchStart { raw: kvm_sev_snp_launch_start { policy, gosvw, ..Default::default() } }
    }
}

impl sealed::Sealed for SnpLaunchStart {}

// SAFETY: the payload holds no addresses; `prepare` returns the address of `raw`.
unsafe impl KvmSevCommand for SnpLaunchStart {
    const ID: u32 = KVM_SEV_SNP_LAUNCH_START;
    const NAME: &'static str = "KVM_SEV_SNP_LAUNCH_START";
    const PAYLOAD: Option<TypeLayout> = Some(TypeLayout::of::<kvm_sev_snp_launch_start>());

    fn prepare(&mut self) -> Result<u64, SevError> {
        Ok(core::ptr::addr_of_mut!(self.raw) as u64)
    }
}

/// `KVM_SEV_SNP_LAUNCH_UPDATE`: copies page-aligned data from a borrowed buffer into the
/// guest's private memory at `gfn_start` and measures it. The kernel may write a CPUID
/// page back into the buffer, so it is borrowed mutably. After a partial update the kernel
/// reports the remaining range; build a new command for it.
#[derive(Debug)]
pub struct SnpLaunchUpdate<'a> {
    raw: kvm_sev_snp_launch_update,
    data: &'a mut [u8],
}

impl<'a> SnpLaunchUpdate<'a> {
    /// Adds `data`, page-aligned and a whole number of pages, at `gfn_start` as pages of
    /// `page_type` (`KVM_SEV_SNP_PAGE_TYPE_*`).
    pub fn new(gfn_start: u64, page_type: u8, data: &'a mut [u8]) -> SnpLaunchUpdate<'a> {
        let raw = kvm_sev_snp_launch_update { gfn_start, type_: page_type, ..Default::default() };
        SnpLaunchUpdate { raw, data }
    }

    /// Returns the first guest frame that the kernel did not update in the last call.
    pub fn remaining_gfn(&self) -> u64 {
        self.raw.gfn_start
    }

    /// Returns the length in bytes that the kernel did not update in the last call.
    pub fn remaining_len(&self) -> u64 {
        self.raw.len
    }

    fn fill(&mut self) -> Result<(), SevError> {
        self.raw.uaddr = self.data.as_mut_ptr() as u64;
        self.raw.len = self.data.len() as u64;
        Ok(())
    }
}

kvm_command_with_payload!(SnpLaunchUpdate<'a> = KVM_SEV_SNP_LAUNCH_UPDATE, kvm_sev_snp_launch_update);

/// `KVM_SEV_SNP_LAUNCH_FINISH`: ends the launch, optionally with an ID block and its
/// authentication information, borrowed at their fixed sizes.
#[derive(Debug)]
pub struct SnpLaunchFinish<'a> {
    raw: kvm_sev_snp_launch_finish,
    id: Option<(&'a [u8; KVM_SEV_SNP_ID_BLOCK_SIZE], &'a [u8; KVM_SEV_SNP_ID_AUTH_SIZE])>,
}

impl<'a> SnpLaunchFinish<'a> {
    /// Finishes with `host_data` and, if given, an ID block and its authentication
    /// information (`auth_key_en` says whether the latter holds an author key).
    pub fn new(
        host_data: [u8; 32],
        id: Option<(&'a [u8; KVM_SEV_SNP_ID_BLOCK_SIZE], &'a [u8; KVM_SEV_SNP_ID_AUTH_SIZE])>,
        auth_key_en: bool,
    ) -> SnpLaunchFinish<'a> {
        let raw = kvm_sev_snp_launch_finish { host_data, auth_key_en: u8::from(auth_key_en), ..Default::default() };
        SnpLaunchFinish { raw, id }
    }

    fn fill(&mut self) -> Result<(), SevError> {
        match self.id {
            Some((block, auth)) => {
                (self.raw.id_block_uaddr, _) = input(Some(&block[..]))?;
                (self.raw.id_auth_uaddr, _) = input(Some(&auth[..]))?;
                self.raw.id_block_en = 1;
            }
            None => {
                self.raw.id_block_uaddr = 0;
                self.raw.id_auth_uaddr = 0;
                self.raw.id_block_en = 0;
            }
        }
        Ok(())
    }
}

kvm_command_with_payload!(SnpLaunchFinish<'a> = KVM_SEV_SNP_LAUNCH_FINISH, kvm_sev_snp_launch_finish);

/// Returns the table entry of firmware command `C`.
const fn firmware_entry<C: FirmwareCommand>() -> SubCommand {
    super::firmware::entry::<C>()
}

/// The SNP firmware commands of `SEV_ISSUE_CMD` and the newer `KVM_SEV_*` commands, not
/// in the installed headers.
pub const SEV_UNVERIFIED_COMMANDS: &[SubCommand] = &[
    firmware_entry::<SnpPlatformStatus>(),
    firmware_entry::<SnpCommit>(),
    firmware_entry::<SnpSetConfig>(),
    firmware_entry::<SnpVlekLoad<'static>>(),
    entry::<Init2>(),
    entry::<SnpLaunchStart>(),
    entry::<SnpLaunchUpdate<'static>>(),
    entry::<SnpLaunchFinish<'static>>(),
];

/// The layout of every payload type of this module.
pub const SEV_UNVERIFIED_LAYOUTS: &[CLayout] = &[
    CLayout::of::<sev_user_data_snp_status>(),
    CLayout::of::<sev_user_data_snp_config>(),
    CLayout::of::<sev_user_data_snp_vlek_load>(),
    CLayout::of::<sev_user_data_snp_wrapped_vlek_hashstick>(),
    CLayout::of::<kvm_sev_init>(),
    CLayout::of::<kvm_sev_snp_launch_start>(),
    CLayout::of::<kvm_sev_snp_launch_update>(),
    CLayout::of::<kvm_sev_snp_launch_finish>(),
];
