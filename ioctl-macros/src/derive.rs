//! `#[derive(AnyBitPattern)]`: checks the representation and every field, then implements
//! the trait.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Error, Fields};

/// The representation hints found in `#[repr(...)]` attributes.
#[derive(Default)]
struct Repr {
    c: bool,
    transparent: bool,
}

fn parse_repr(input: &DeriveInput) -> syn::Result<Repr> {
    let mut repr = Repr::default();
    for attr in &input.attrs {
        if !attr.path().is_ident("repr") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("C") {
                repr.c = true;
            } else if meta.path.is_ident("transparent") {
                repr.transparent = true;
            } else if meta.path.is_ident("packed") || meta.path.is_ident("align") {
                // `packed(N)` and `align(N)` change alignment only.
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    content.parse::<TokenStream>()?;
                }
            } else if meta.input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in meta.input);
                content.parse::<TokenStream>()?;
            }
            Ok(())
        })?;
    }
    Ok(repr)
}

pub fn any_bit_pattern(input: &DeriveInput) -> syn::Result<TokenStream> {
    let repr = parse_repr(input)?;
    let name = &input.ident;

    let fields: Vec<&syn::Field> = match &input.data {
        Data::Struct(data) => {
            if !repr.c && !repr.transparent {
                return Err(Error::new(
                    name.span(),
                    format!("`{name}` has no fixed layout, so the kernel's bytes would land in unknown fields; add `#[repr(C)]` (or `#[repr(C, packed)]` or `#[repr(transparent)]`) to match the C struct"),
                ));
            }
            match &data.fields {
                Fields::Named(named) => named.named.iter().collect(),
                Fields::Unnamed(unnamed) => unnamed.unnamed.iter().collect(),
                Fields::Unit => Vec::new(),
            }
        }
        Data::Union(data) => {
            if !repr.c {
                return Err(Error::new(
                    name.span(),
                    format!("union `{name}` has no fixed layout; add `#[repr(C)]` to match the C union"),
                ));
            }
            data.fields.named.iter().collect()
        }
        Data::Enum(data) => {
            return Err(Error::new(
                data.enum_token.span,
                format!("enum `{name}` cannot be `AnyBitPattern`: the kernel may write a value that is no variant; use an integer field and convert it after the call"),
            ));
        }
    };

    let field_checks = fields.iter().map(|field| {
        let ty = &field.ty;
        quote_spanned! {ty.span()=>
            #ty: ::ioctl_core::__private::AnyBitPattern,
        }
    });

    // A non-generic type checks each field with its own assertion, spanned on the field's
    // type; bounds on concrete types in a where clause would add a note about the unstable
    // `trivial_bounds` feature to every error.
    if input.generics.params.is_empty() {
        let assertions = fields.iter().map(|field| {
            let ty = &field.ty;
            quote_spanned! {ty.span()=>
                const _: () = ::ioctl_core::__private::assert_any_bit_pattern::<#ty>();
            }
        });
        return Ok(quote! {
            #(#assertions)*

            // SAFETY: the type is `repr(C)`, `repr(C, packed)` or `repr(transparent)` (checked
            // by the derive), and the assertions above require every field to be valid for
            // every bit pattern, so the whole value is too.
            unsafe impl ::ioctl_core::__private::AnyBitPattern for #name {}
        });
    }

    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let predicates = where_clause.map(|clause| &clause.predicates);
    let comma = predicates.filter(|p| !p.empty_or_trailing()).map(|_| quote!(,));

    Ok(quote! {
        // SAFETY: the type is `repr(C)`, `repr(C, packed)` or `repr(transparent)` (checked
        // by the derive), and the where clause requires every field to be valid for every
        // bit pattern, so the whole value is too.
        unsafe impl #impl_generics ::ioctl_core::__private::AnyBitPattern for #name #type_generics
        where
            #predicates #comma
            #(#field_checks)*
        {}
    })
}

pub fn struct_layout(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    let name_text = name.to_string();
    if !input.generics.params.is_empty() {
        return Err(Error::new_spanned(
            &input.generics,
            "`StructLayout` describes one concrete C type; remove the generic parameters",
        ));
    }
    let fields: Vec<&syn::Field> = match &input.data {
        Data::Struct(data) => data.fields.iter().collect(),
        Data::Union(data) => data.fields.named.iter().collect(),
        Data::Enum(data) => {
            return Err(Error::new(
                data.enum_token.span,
                "`StructLayout` describes structs and unions; an enum has no C field layout",
            ))
        }
    };
    let fields: Vec<(String, TokenStream, &syn::Type)> = fields
        .into_iter()
        .enumerate()
        .map(|(index, field)| {
            let member = match &field.ident {
                Some(ident) => syn::Member::Named(ident.clone()),
                None => syn::Member::Unnamed(syn::Index::from(index)),
            };
            let text = match &member {
                syn::Member::Named(ident) => ident.to_string(),
                syn::Member::Unnamed(index) => index.index.to_string(),
            };
            (text, quote!(#member), &field.ty)
        })
        .collect();
    let entries = fields.iter().map(|(text, member, ty)| {
        quote! {
            ::ioctl_core::__private::FieldInfo {
                name: #text,
                offset: ::ioctl_core::__private::offset_of!(#name, #member),
                size: ::ioctl_core::__private::size_of::<#ty>(),
            }
        }
    });
    Ok(quote! {
        impl ::ioctl_core::__private::StructLayout for #name {
            const NAME: &'static str = #name_text;
            const SIZE: usize = ::ioctl_core::__private::size_of::<#name>();
            const ALIGN: usize = ::ioctl_core::__private::align_of::<#name>();
            const FIELDS: &'static [::ioctl_core::__private::FieldInfo] = &[#(#entries),*];
        }
    })
}
