//! Implementation detail of the `ioctl-core` crate: the `ioctl!` macro and
//! `#[derive(AnyBitPattern)]`. Use them through `ioctl_core`, which documents them.
//!
//! The `ioctl!` pipeline has three stages, one file each: `parse` (tokens to `ast`),
//! `valid` (checks that collect every error, and the expansion plan) and `expand`.
//! `pipeline` runs the stages and the derives on `proc_macro2` tokens, so that tests can
//! call them, and `limits` rejects input nested too deeply for syn's recursive parser.

mod ast;
mod derive;
mod expand;
mod limits;
mod parse;
mod pipeline;
mod valid;

use proc_macro::TokenStream;

/// Declares typed ioctls and handles; documented in `ioctl_core`.
#[proc_macro]
pub fn ioctl(input: TokenStream) -> TokenStream {
    pipeline::ioctl_tokens(input.into()).into()
}

/// Implements `ioctl_core::AnyBitPattern` after checking the representation and every
/// field; documented in `ioctl_core`.
#[proc_macro_derive(AnyBitPattern)]
pub fn derive_any_bit_pattern(input: TokenStream) -> TokenStream {
    pipeline::derive_tokens(input.into(), derive::any_bit_pattern).into()
}

/// Implements `ioctl_core::StructLayout`: the type's name, size, alignment and the offset
/// and size of every field; documented in `ioctl_core`.
#[proc_macro_derive(StructLayout)]
pub fn derive_struct_layout(input: TokenStream) -> TokenStream {
    pipeline::derive_tokens(input.into(), derive::struct_layout).into()
}

#[cfg(test)]
mod tests;
