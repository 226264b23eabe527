//! Unit tests that drive the stages directly through proc-macro2.

use quote::quote;

mod expansion;
mod fuzz;
mod regressions;

#[test]
fn valid_block_expands_without_errors() {
    let output = crate::pipeline::ioctl_tokens(quote! {
        unsafe {
            group 0xAE;
            pub read KVM_GET_REGS = 0x81 => kvm_regs;
        }
    });
    assert!(!output.to_string().contains("compile_error"), "{output}");
}
