//! The debug commands of `KVM_MEMORY_ENCRYPT_OP`: `KVM_SEV_DBG_DECRYPT` and
//! `KVM_SEV_DBG_ENCRYPT`, for guests whose policy allows debugging.
//!
//! KVM handles the buffers one page at a time and pins one page of each per step, so each
//! buffer must stay within one page.

use ioctl_core::TypeLayout;

use super::kvm_types::kvm_sev_dbg;
use super::launch::{kvm_command_with_payload, KvmSevCommand};
use super::{len_u32, sealed, SevError};

/// `KVM_SEV_DBG_DECRYPT`.
pub const KVM_SEV_DBG_DECRYPT: u32 = 17;
/// `KVM_SEV_DBG_ENCRYPT`.
pub const KVM_SEV_DBG_ENCRYPT: u32 = 18;

/// Fails unless `[start, start + len)` stays in one 4 KiB page. KVM pins one page of each
/// debug buffer per step, and `len` bytes must fit in it.
fn check_one_page(buffer_name: &str, start: u64, len: usize) -> Result<(), SevError> {
    const PAGE: u64 = 4096;
    if (start % PAGE) as usize + len > PAGE as usize {
        return Err(SevError::Os(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{buffer_name}: the {len}-byte buffer at {start:#x} crosses a page boundary; split the request per page"),
        )));
    }
    Ok(())
}

/// `KVM_SEV_DBG_DECRYPT`: decrypts `src` (guest memory of a guest whose policy allows
/// debugging) into `dst`, both within one page each.
#[derive(Debug)]
pub struct DbgDecrypt<'a> {
    raw: kvm_sev_dbg,
    src: &'a [u8],
    dst: &'a mut [u8],
}

impl<'a> DbgDecrypt<'a> {
    /// Decrypts `src` into the first `src.len()` bytes of `dst`.
    pub fn new(src: &'a [u8], dst: &'a mut [u8]) -> DbgDecrypt<'a> {
        DbgDecrypt { raw: kvm_sev_dbg::default(), src, dst }
    }

    fn fill(&mut self) -> Result<(), SevError> {
        let len = self.src.len();
        if self.dst.len() < len {
            return Err(SevError::BufferTooSmall { needed: len, len: self.dst.len() });
        }
        self.raw.src_uaddr = self.src.as_ptr() as u64;
        self.raw.dst_uaddr = self.dst.as_mut_ptr() as u64;
        self.raw.len = len_u32(self.src)?;
        check_one_page("KVM_SEV_DBG_DECRYPT source", self.raw.src_uaddr, len)?;
        check_one_page("KVM_SEV_DBG_DECRYPT destination", self.raw.dst_uaddr, len)
    }
}

kvm_command_with_payload!(DbgDecrypt<'a> = KVM_SEV_DBG_DECRYPT, kvm_sev_dbg);

/// `KVM_SEV_DBG_ENCRYPT`: encrypts `src` into `dst` (guest memory of a guest whose
/// policy allows debugging), both within one page each.
///
/// `dst` and its length must be 16-byte aligned: otherwise KVM rewrites the whole 16-byte
/// blocks around `dst`, including bytes outside the borrow.
#[derive(Debug)]
pub struct DbgEncrypt<'a> {
    raw: kvm_sev_dbg,
    src: &'a [u8],
    dst: &'a mut [u8],
}

impl<'a> DbgEncrypt<'a> {
    /// Encrypts `src` into the first `src.len()` bytes of `dst`.
    pub fn new(src: &'a [u8], dst: &'a mut [u8]) -> DbgEncrypt<'a> {
        DbgEncrypt { raw: kvm_sev_dbg::default(), src, dst }
    }

    fn fill(&mut self) -> Result<(), SevError> {
        let len = self.src.len();
        if self.dst.len() < len {
            return Err(SevError::BufferTooSmall { needed: len, len: self.dst.len() });
        }
        self.raw.src_uaddr = self.src.as_ptr() as u64;
        self.raw.dst_uaddr = self.dst.as_mut_ptr() as u64;
        self.raw.len = len_u32(self.src)?;
        if !self.raw.dst_uaddr.is_multiple_of(16) || !len.is_multiple_of(16) {
            return Err(SevError::Os(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("KVM_SEV_DBG_ENCRYPT: the destination {:#x} and length {len} must be 16-byte aligned", self.raw.dst_uaddr),
            )));
        }
        check_one_page("KVM_SEV_DBG_ENCRYPT source", self.raw.src_uaddr, len)?;
        check_one_page("KVM_SEV_DBG_ENCRYPT destination", self.raw.dst_uaddr, len)
    }
}

kvm_command_with_payload!(DbgEncrypt<'a> = KVM_SEV_DBG_ENCRYPT, kvm_sev_dbg);

