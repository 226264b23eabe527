//! Snapshot tests: the pretty-printed expansion of representative declarations, compared
//! with the files in `src/tests/snapshots/`. `UPDATE_SNAPSHOTS=1 cargo test -p ioctl-macros`
//! rewrites the files; review the diff before committing it.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

/// Pretty-prints `output` as a Rust file, or panics if it is not a sequence of items.
fn pretty(output: TokenStream) -> String {
    let file: syn::File = syn::parse2(output.clone())
        .unwrap_or_else(|error| panic!("the expansion is not a sequence of items: {error}\n{output}"));
    prettyplease::unparse(&file)
}

/// Compares the expansion of `input` with `snapshots/{name}.rs`, or writes the file when
/// `UPDATE_SNAPSHOTS=1` is set.
fn check_snapshot(name: &str, input: TokenStream) {
    let header = format!("// Expansion of:\n// ioctl! {{ {} }}\n\n", input.to_string().replace('\n', " "));
    let actual = header + &pretty(crate::pipeline::ioctl_tokens(input));
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "src", "tests", "snapshots", &format!("{name}.rs")]
        .iter()
        .collect();

    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|value| value == "1") {
        std::fs::write(&path, &actual).unwrap_or_else(|error| panic!("writing {} failed: {error}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("reading {} failed: {error}; run with UPDATE_SNAPSHOTS=1 to create it", path.display())
    });
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "the expansion differs from {} from line {}; if the change is intended, run \
             UPDATE_SNAPSHOTS=1 cargo test -p ioctl-macros and review the diff.\n--- actual ---\n{actual}",
            path.display(),
            first_difference + 1,
        );
    }
}

#[test]
fn none_returning_count() {
    check_snapshot(
        "none_count",
        quote! { unsafe { group 0xAE; pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count; } },
    );
}

#[test]
fn by_value_returning_handle() {
    check_snapshot(
        "by_value_handle",
        quote! { unsafe { group 0xAE; pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm; } },
    );
}

#[test]
fn read_payload() {
    check_snapshot(
        "read",
        quote! { unsafe { group 0xAE; pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu; } },
    );
}

#[test]
fn write_payload() {
    check_snapshot(
        "write",
        quote! { unsafe { group 0xAE; pub write KVM_SET_REGS = 0x82 => kvm_regs on Vcpu -> zero; } },
    );
}

#[test]
fn readwrite_payload() {
    check_snapshot(
        "readwrite",
        quote! { unsafe { group 0xAE; pub readwrite KVM_CREATE_DEVICE = 0xE0 => kvm_create_device on Vm; } },
    );
}

#[test]
fn size_override() {
    check_snapshot(
        "size_override",
        quote! {
            unsafe {
                group 0xAE;
                pub readwrite KVM_MEMORY_ENCRYPT_OP = 0xBA => kvm_sev_cmd size c_ulong on Vm;
            }
        },
    );
}

#[test]
fn as_write_override() {
    check_snapshot(
        "as_write",
        quote! {
            unsafe {
                group 0xAE;
                pub read KVM_MEMORY_ENCRYPT_REG_REGION = 0xBB => kvm_enc_region as write on Vm;
            }
        },
    );
}

#[test]
fn raw_number() {
    check_snapshot("raw_number", quote! { unsafe { pub read FIONREAD = raw 0x541B => i32; } });
}

#[test]
fn fd_with_path() {
    check_snapshot("fd_with_path", quote! { unsafe { pub fd Kvm = "/dev/kvm"; } });
}

#[test]
fn table_of_ioctls() {
    check_snapshot(
        "table",
        quote! {
            unsafe {
                group 0xAE;
                pub table KVM_IOCTLS;
                pub none KVM_GET_API_VERSION = 0x00 -> count;
                #[cfg(target_arch = "x86_64")]
                pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu;
            }
        },
    );
}

#[test]
fn errors_beside_valid_items() {
    check_snapshot(
        "errors_beside_valid_items",
        quote! {
            unsafe {
                group 0xAE;
                pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu;
                pub read TOO_LARGE = 0x100 => u8;
                pub write NO_PAYLOAD = 0x82;
                pub none KVM_RUN = 0x80 on Vcpu -> count;
            }
        },
    );
}
