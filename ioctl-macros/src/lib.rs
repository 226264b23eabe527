//! Implementation detail of the `ioctl-core` crate: the `ioctl!` macro and
//! `#[derive(AnyBitPattern)]`. Use them through `ioctl_core`, which documents them.
//!
//! The `ioctl!` pipeline has three stages, one file each: `parse` (tokens to `ast`),
//! `valid` (checks that collect every error, and the expansion plan) and `expand`.

mod ast;
mod derive;
mod expand;
mod parse;
mod valid;

use proc_macro::TokenStream;

/// Declares typed ioctls and handles; documented in `ioctl_core`.
#[proc_macro]
pub fn ioctl(input: TokenStream) -> TokenStream {
    ioctl_tokens(input.into()).into()
}

/// Runs the parse, validate and expand stages. Errors are emitted as `compile_error!`
/// beside the items that are valid, so one mistake does not hide the other items.
fn ioctl_tokens(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let (block, mut errors) = match parse::parse_block(input) {
        Ok(parsed) => parsed,
        Err(error) => return error.into_compile_error(),
    };
    let (plan, validation_errors) = valid::validate(&block);
    errors.extend(validation_errors);

    let items = expand::expand(&plan);
    let errors = errors.into_iter().map(syn::Error::into_compile_error);
    quote::quote! {
        #(#errors)*
        #items
    }
}

/// Implements `ioctl_core::AnyBitPattern` after checking the representation and every
/// field; documented in `ioctl_core`.
#[proc_macro_derive(AnyBitPattern)]
pub fn derive_any_bit_pattern(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive::any_bit_pattern(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `ioctl_core::StructLayout`: the type's name, size, alignment and the offset
/// and size of every field; documented in `ioctl_core`.
#[proc_macro_derive(StructLayout)]
pub fn derive_struct_layout(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive::struct_layout(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[cfg(test)]
mod tests;
