//! Feeds arbitrary text to the `ioctl!` pipeline. Text that does not lex is skipped, since
//! the compiler never passes it to a macro; every other input must return tokens.

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;

include!("macro_source.rs");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(input) = proc_macro2::TokenStream::from_str(text) else { return };
    let _ = pipeline::ioctl_tokens(input);
});
