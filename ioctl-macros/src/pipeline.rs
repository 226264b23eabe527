//! The work behind each entry point, on `proc_macro2` tokens, so that unit tests and the
//! fuzz target can run it outside the compiler.

use proc_macro2::{Span, TokenStream};
use syn::DeriveInput;

use crate::{expand, limits, parse, valid};

/// Runs the parse, validate and expand stages. Errors are emitted as `compile_error!`
/// beside the items that are valid, so one mistake does not hide the other items.
pub fn ioctl_tokens(input: TokenStream) -> TokenStream {
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

/// Parses a derive input and runs `derive` on it; returns its items or a `compile_error!`.
pub fn derive_tokens(
    input: TokenStream,
    derive: fn(&DeriveInput) -> syn::Result<TokenStream>,
) -> TokenStream {
    // The call site of a derive is its name in `#[derive(...)]`.
    limits::check_nesting(&input, Span::call_site(), "type definition")
        .and_then(|()| syn::parse2::<DeriveInput>(input))
        .and_then(|input| derive(&input))
        .unwrap_or_else(syn::Error::into_compile_error)
}
