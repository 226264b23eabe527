//! Feeds arbitrary text to both derives through the function that their entry points call.

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;

include!("macro_source.rs");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(input) = proc_macro2::TokenStream::from_str(text) else { return };
    let _ = pipeline::derive_tokens(input.clone(), derive::any_bit_pattern);
    let _ = pipeline::derive_tokens(input, derive::struct_layout);
});
