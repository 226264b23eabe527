//! A crate with `#![forbid(unsafe_code)]` calls ioctls that another crate declares: every
//! call is safe code. A declaration in such a crate does not compile, see
//! `tests/ui/forbid-unsafe-code-declaration.rs`.

#![forbid(unsafe_code)]

use tests::fixture::{Kvm, Vm, KVM_CHECK_EXTENSION, KVM_CREATE_VM, KVM_GET_API_VERSION};

fn create_vm(kvm: &Kvm) -> std::io::Result<Vm> {
    assert_eq!(KVM_GET_API_VERSION.call(kvm)?, 12);
    let _extension = KVM_CHECK_EXTENSION.call(kvm, 0)?;
    KVM_CREATE_VM.call(kvm, 0)
}

#[cfg(target_arch = "x86_64")]
fn bytes_in_pipe() -> std::io::Result<()> {
    use std::io::Write;

    use tests::fixture::FIONREAD;

    let (reader, mut writer) = std::io::pipe()?;
    writer.write_all(b"12345")?;
    assert_eq!(FIONREAD.call(&reader)?, 5);
    Ok(())
}

fn main() -> std::io::Result<()> {
    let _ = create_vm;
    #[cfg(target_arch = "x86_64")]
    bytes_in_pipe()?;
    Ok(())
}
