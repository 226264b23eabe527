//! Expansion: the validated plan to Rust items over `ioctl_core`.
//!
//! Paths are absolute (`::ioctl_core::__private::…`, `::core::…`), so the expansion works
//! beside user items named `Result`, `libc` or `ioctl_core`, and in
//! `#![no_implicit_prelude]` modules.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Attribute, Type};

use crate::ast::{Dir, FdDecl, IoctlDecl, KindDecl, ReturnKind, TableDecl};
use crate::valid::{Argument, IoctlPlan, Plan, Request};

pub fn expand(plan: &Plan) -> TokenStream {
    let fds = plan.fds.iter().map(|fd| expand_fd(fd));
    let kinds = plan.kinds.iter().map(|kind| expand_kind(kind));
    let ioctls = plan.ioctls.iter().map(|ioctl| expand_ioctl(ioctl, plan.unsafe_span));
    let checks = plan.distinct_checks.iter().map(|(first, second)| {
        let cfgs = cfg_attrs(plan, first).chain(cfg_attrs(plan, second));
        let message = format!(
            "`{first}` and `{second}` have the same request number; give them different numbers, or check their payload and size types against the header"
        );
        quote_spanned! {second.span()=>
            #(#cfgs)*
            ::core::assert!(#first.request() != #second.request(), #message);
        }
    });
    // One constant contains every check, because each constant item costs the compiler far
    // more than the comparison it evaluates.
    let checks = (!plan.distinct_checks.is_empty()).then(|| {
        quote! {
            const _: () = {
                #(#checks)*
            };
        }
    });
    let table = plan.table.map(|table| expand_table(plan, table));
    quote! {
        #(#fds)*
        #(#kinds)*
        #(#ioctls)*
        #checks
        #table
    }
}

fn expand_table(plan: &Plan, table: &TableDecl) -> TokenStream {
    let TableDecl { attrs, vis, name, .. } = table;
    let private = quote!(::ioctl_core::__private);
    let entries = plan.ioctls.iter().map(|ioctl| {
        let decl = ioctl.decl;
        let ioctl_name = &decl.name;
        let name_text = ioctl_name.to_string();
        let cfgs = decl.attrs.iter().filter(|attr| attr.path().is_ident("cfg"));
        let raw = matches!(ioctl.request, Request::Raw(_));
        let direction = direction_ident(decl.dir.dir);
        let (argument, ty) = match ioctl.argument {
            Argument::None => (quote!(None), None),
            Argument::Read(ty) => (quote!(Read), Some(ty)),
            Argument::Write(ty) => (quote!(Write), Some(ty)),
            Argument::ReadWrite(ty) => (quote!(ReadWrite), Some(ty)),
            Argument::Value(ty) => (quote!(Value), Some(ty)),
            Argument::WriteFlex(ty) => (quote!(Write), Some(ty)),
            Argument::ReadWriteFlex(ty) => (quote!(ReadWrite), Some(ty)),
        };
        let flexible = decl.flex.is_some();
        let (argument_type, argument_size, argument_align) = match ty {
            Some(ty) => {
                let text = type_text(ty);
                (
                    quote!(#private::Option::Some(#text)),
                    quote!(#private::size_of::<#ty>()),
                    quote!(#private::align_of::<#ty>()),
                )
            }
            None => (quote!(#private::Option::None), quote!(0), quote!(1)),
        };
        let size_type = match &decl.size {
            Some((_, ty)) => {
                let text = type_text(ty);
                quote!(#private::Option::Some(#text))
            }
            None => quote!(#private::Option::None),
        };
        let (fd_kind, fd_type) = match &decl.on {
            Some((_, ty)) => {
                let text = type_text(ty);
                (quote!(#private::Option::Some(#text)), quote!(#private::Option::Some(#private::KindType::of::<#ty>())))
            }
            None => (quote!(#private::Option::None), quote!(#private::Option::None)),
        };
        let returns = match decl.ret.as_ref().map(|(_, kind)| kind) {
            Some(ReturnKind::Count) => "count".to_string(),
            Some(ReturnKind::Zero) => "zero".to_string(),
            Some(ReturnKind::Fd) => "fd".to_string(),
            Some(ReturnKind::Handle(ty)) => type_text(ty),
            None if decl.dir.dir == Dir::Read && decl.acts_as.is_none() => "zero".to_string(),
            None => "count".to_string(),
        };
        quote! {
            #(#cfgs)*
            #private::IoctlInfo {
                name: #name_text,
                request: #ioctl_name.request(),
                raw: #raw,
                direction: #private::Direction::#direction,
                argument: #private::ArgumentKind::#argument,
                argument_type: #argument_type,
                argument_size: #argument_size,
                argument_align: #argument_align,
                flexible: #flexible,
                retry: #ioctl_name.retry(),
                size_type: #size_type,
                fd_kind: #fd_kind,
                fd_type: #fd_type,
                returns: #returns,
            }
        }
    });
    let doc = "\n\nEvery ioctl of this `ioctl!` invocation, in declaration order.";
    quote! {
        #(#attrs)*
        #[doc = #doc]
        #vis const #name: &[#private::IoctlInfo] = &[#(#entries),*];
    }
}

fn direction_ident(dir: Dir) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        match dir {
            Dir::None => "None",
            Dir::Read => "Read",
            Dir::Write => "Write",
            Dir::ReadWrite => "ReadWrite",
        }
    )
}

fn cfg_attrs<'a>(plan: &'a Plan, name: &'a syn::Ident) -> impl Iterator<Item = &'a Attribute> {
    plan.ioctls
        .iter()
        .filter(move |ioctl| ioctl.decl.name == *name)
        .flat_map(|ioctl| ioctl.decl.attrs.iter())
        .filter(|attr| attr.path().is_ident("cfg"))
}

fn expand_kind(kind: &KindDecl) -> TokenStream {
    let KindDecl { attrs, vis, name, members } = kind;
    let cfgs: Vec<&Attribute> = attrs.iter().filter(|attr| attr.path().is_ident("cfg")).collect();
    let names: Vec<String> = members.iter().map(|member| format!("`{}`", type_text(member))).collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    let doc = format!("\n\nAn fd kind declared with `ioctl!`: ioctls declared `on {name}` accept {list}.");
    let impls = members.iter().map(|member| {
        quote_spanned! {member.span()=>
            // SAFETY: the `unsafe` block of the `ioctl!` invocation asserts that every
            // ioctl declared on this kind has the same meaning on each listed handle.
            #(#cfgs)*
            unsafe impl ::ioctl_core::__private::Target<#name> for #member {}
        }
    });
    quote! {
        #(#attrs)*
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        #vis enum #name {}

        #(#impls)*
    }
}

fn expand_fd(fd: &FdDecl) -> TokenStream {
    let FdDecl { attrs, vis, name, path } = fd;
    let name_text = name.to_string();
    // `#[cfg]` on the declaration removes the impls along with the struct.
    let cfgs: Vec<&Attribute> = attrs.iter().filter(|attr| attr.path().is_ident("cfg")).collect();

    let open = path.as_ref().map(|path| {
        let doc = format!(
            "Opens `{}` for reading and writing, with `O_CLOEXEC`.\n\nOn failure the error names the device; \
             [`ioctl_core::OpenError::from_io`] returns its details.",
            path.value()
        );
        quote! {
            #[doc = #doc]
            pub fn open() -> ::std::io::Result<Self> {
                let fd = ::ioctl_core::__private::open_device(#path)?;
                // SAFETY: `fd` was just opened from the device path that the declaration
                // names for this handle kind.
                let fd = unsafe { ::ioctl_core::__private::HandleFd::new(fd) };
                ::core::result::Result::Ok(#name { fd })
            }
        }
    });
    let kind_doc = match path {
        Some(path) => format!("\n\nA typed handle for `{}`, declared with `ioctl!`: it owns its file descriptor, and only ioctls declared `on {name_text}` accept it.", path.value()),
        None => format!("\n\nA typed handle declared with `ioctl!`: it owns its file descriptor, and only ioctls declared `on {name_text}` accept it."),
    };

    quote! {
        #(#attrs)*
        #[doc = #kind_doc]
        #vis struct #name {
            fd: ::ioctl_core::__private::HandleFd<#name>,
        }

        #(#cfgs)*
        impl #name {
            #open

            /// Wraps `fd` without checking what it refers to.
            ///
            /// # Safety
            ///
            /// `fd` must be a descriptor of this handle's kind: every ioctl declared for it
            /// will be sent to `fd`, and a file of another driver may interpret those request
            /// numbers differently and write memory the declaration does not expect.
            pub unsafe fn from_fd_unchecked(fd: ::ioctl_core::__private::OwnedFd) -> Self {
                // SAFETY: the caller guarantees that `fd` is of this handle's kind.
                #name { fd: unsafe { ::ioctl_core::__private::HandleFd::new(fd) } }
            }
        }

        #(#cfgs)*
        impl ::ioctl_core::__private::AsFd for #name {
            #[inline]
            fn as_fd(&self) -> ::ioctl_core::__private::BorrowedFd<'_> {
                self.fd.as_fd()
            }
        }

        #(#cfgs)*
        impl ::ioctl_core::__private::AsRawFd for #name {
            #[inline]
            fn as_raw_fd(&self) -> ::ioctl_core::__private::RawFd {
                self.fd.as_raw_fd()
            }
        }

        #(#cfgs)*
        impl ::core::convert::From<#name> for ::ioctl_core::__private::OwnedFd {
            fn from(handle: #name) -> Self {
                handle.fd.into_owned()
            }
        }

        #(#cfgs)*
        impl ::ioctl_core::__private::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::ioctl_core::__private::fmt::Formatter<'_>) -> ::ioctl_core::__private::fmt::Result {
                f.debug_tuple(#name_text).field(&self.fd.as_raw_fd()).finish()
            }
        }

        // SAFETY: a handle is built only by `open` on its declared device, by an ioctl that
        // the declaration states returns this kind, or by the unsafe `from_fd_unchecked`.
        #(#cfgs)*
        unsafe impl ::ioctl_core::__private::Target<#name> for #name {}

        // SAFETY: as above; `from_fd_unchecked` carries the caller's guarantee.
        #(#cfgs)*
        unsafe impl ::ioctl_core::__private::Handle for #name {
            const NAME: &'static str = #name_text;

            unsafe fn from_fd_unchecked(fd: ::ioctl_core::__private::OwnedFd) -> Self {
                // SAFETY: the caller guarantees that `fd` is of this handle's kind.
                #name { fd: unsafe { ::ioctl_core::__private::HandleFd::new(fd) } }
            }
        }
    }
}

fn expand_ioctl(plan: &IoctlPlan, unsafe_span: Span) -> TokenStream {
    let IoctlDecl { attrs, vis, name, .. } = plan.decl;
    let private = quote!(::ioctl_core::__private);

    let kind = match &plan.decl.on {
        Some((_, ty)) => ty.to_token_stream(),
        None => quote!(#private::AnyFd),
    };

    // Each argument kind has a constructor that carries its bounds; the call is spanned on
    // the payload type so that a type without the property is the token in the error.
    let (argument, constructor, argument_span) = match plan.argument {
        Argument::None => (quote!(#private::NoArg), "none", name.span()),
        Argument::Read(ty) => (quote!(#private::Read<#ty>), "read", ty.span()),
        Argument::ReadWrite(ty) => (quote!(#private::ReadWrite<#ty>), "read_write", ty.span()),
        Argument::Write(ty) => (quote!(#private::Write<#ty>), "write", ty.span()),
        Argument::WriteFlex(ty) => (quote!(#private::WriteFlex<#ty>), "write_flex", ty.span()),
        Argument::ReadWriteFlex(ty) => (quote!(#private::ReadWriteFlex<#ty>), "read_write_flex", ty.span()),
        Argument::Value(ty) => (quote!(#private::Value<#ty>), "value", ty.span()),
    };
    let constructor = format_ident!("{}", constructor);

    let (ret, ret_span) = match plan.decl.ret.as_ref().map(|(_, kind)| kind) {
        Some(ReturnKind::Count) => (quote!(#private::Count), None),
        Some(ReturnKind::Zero) => (quote!(#private::Zero), None),
        Some(ReturnKind::Fd) => (quote!(#private::Fd), None),
        Some(ReturnKind::Handle(ty)) => (quote!(#private::Typed<#ty>), Some(ty.span())),
        None if plan.decl.dir.dir == Dir::Read && plan.decl.acts_as.is_none() => (quote!(#private::Zero), None),
        None => (quote!(#private::Count), None),
    };

    // Every token of the call carries the payload type's span: a span joined from tokens of
    // different origins would widen an error about the type to the whole invocation.
    let private = quote_spanned!(argument_span=> ::ioctl_core::__private);
    // A `none` ioctl encodes size 0 whatever it declares (`valid.rs` rejects `size` there).
    let size_override = match plan.decl.dir.dir {
        Dir::None => None,
        _ => plan.decl.size.as_ref().map(|(_, ty)| ty),
    };
    let spec = match (&plan.request, size_override) {
        (Request::Raw(value), _) => {
            let value = hex_literal(format!("{value:#010X}u32"), argument_span);
            quote_spanned!(argument_span=> #private::Spec::Raw(#value))
        }
        // A `size Type` override is encoded here, in a call spanned on that type, so that a
        // size too large for the field fails on the type that gives it.
        (Request::Encoded { group, number, .. }, Some(size_ty)) => {
            let span = size_ty.span();
            let private = quote_spanned!(span=> ::ioctl_core::__private);
            let mut direction = direction_ident(plan.decl.dir.dir);
            direction.set_span(span);
            let group = hex_literal(format!("{group:#04X}u8"), span);
            let number = hex_literal(format!("{number:#04X}u8"), span);
            quote_spanned! {span=>
                #private::Spec::Raw(#private::Layout::NATIVE.request(
                    #private::Direction::#direction,
                    #group,
                    #number,
                    #private::size_of::<#size_ty>(),
                ))
            }
        }
        (Request::Encoded { group, number, .. }, None) => {
            let mut direction = direction_ident(plan.decl.dir.dir);
            direction.set_span(argument_span);
            let group = hex_literal(format!("{group:#04X}u8"), argument_span);
            let number = hex_literal(format!("{number:#04X}u8"), argument_span);
            let size = match plan.decl.dir.dir {
                Dir::None => quote_spanned!(argument_span=> #private::Size::Zero),
                _ => quote_spanned!(argument_span=> #private::Size::OfArgument),
            };
            quote_spanned! {argument_span=>
                #private::Spec::Encoded {
                    direction: #private::Direction::#direction,
                    group: #group,
                    number: #number,
                    size: #size,
                }
            }
        }
    };

    let docs = generated_docs(plan);
    let retry = retry_tokens(plan.decl).map(|retry| quote!(.with_retry(#retry)));
    // The whole block carries the span of the invocation's `unsafe` token, braces included.
    // A block spanned partly by the macro counts as macro code, which the `unsafe_code`
    // lint skips, so `#![forbid(unsafe_code)]` would not reject the declaration. Clippy
    // 0.1.95 then checks the block as user code but misses the invocation's `// SAFETY:`
    // comment for items inside a module, so the item allows `undocumented_unsafe_blocks`.
    let construct = quote_spanned!(argument_span=> ::ioctl_core::__private::#constructor(#spec));
    let unsafe_block = quote_spanned!(unsafe_span=> unsafe { #construct });
    let checked = match ret_span {
        // The argument of `returning` is a name spanned on the handle type, because the
        // compiler reports an unsatisfied bound at the argument expression.
        Some(span) => {
            let declared = proc_macro2::Ident::new("declared", span);
            quote_spanned!(span=> {
                let #declared = #unsafe_block;
                ::ioctl_core::__private::returning(#declared)
            })
        }
        None => unsafe_block,
    };

    quote! {
        #(#attrs)*
        #[doc = #docs]
        #[allow(clippy::undocumented_unsafe_blocks)]
        #vis const #name: #private::Ioctl<#kind, #argument, #ret> =
            // SAFETY: the `unsafe` block of the `ioctl!` invocation asserts that this
            // declaration matches the kernel's definition.
            #checked #retry;
    }
}

/// Returns an integer literal written in hex, as headers write ioctl numbers, so that
/// `cargo expand` shows `0xAE` where the declaration has `0xAE`.
fn hex_literal(text: String, span: Span) -> syn::LitInt {
    syn::LitInt::new(&text.replacen("0X", "0x", 1), span)
}

/// Returns the `Retry` value of a `retry` clause, or `None` without one.
fn retry_tokens(decl: &IoctlDecl) -> Option<TokenStream> {
    let (_, names) = decl.retry.as_ref()?;
    let flags = names.iter().map(|name| {
        let flag = if name == "EWOULDBLOCK" { format_ident!("EAGAIN") } else { format_ident!("{}", name.to_string()) };
        quote!(::ioctl_core::__private::Retry::#flag)
    });
    Some(quote!(::ioctl_core::__private::Retry::NEVER #(.and(#flags))*))
}

fn type_text(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(" :: ", "::").replace(" < ", "<").replace(" >", ">").replace("[ ", "[").replace(" ]", "]").replace(" ;", ";")
}

/// Returns the size of `ty` if it is a fixed-width primitive or an array of one with a
/// literal length.
fn known_size(ty: &Type) -> Option<usize> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            if segments.len() != 1 || !segments[0].arguments.is_none() {
                return None;
            }
            match segments[0].ident.to_string().as_str() {
                "u8" | "i8" => Some(1),
                "u16" | "i16" => Some(2),
                "u32" | "i32" | "f32" => Some(4),
                "u64" | "i64" | "f64" => Some(8),
                "u128" | "i128" => Some(16),
                _ => None,
            }
        }
        Type::Array(array) => {
            let element = known_size(&array.elem)?;
            let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(len), .. }) = &array.len else {
                return None;
            };
            element.checked_mul(len.base10_parse::<usize>().ok()?)
        }
        _ => None,
    }
}

fn generated_docs(plan: &IoctlPlan) -> String {
    let decl = plan.decl;
    let name = &decl.name;
    let dir = decl.dir.dir;
    // A blank line separates the generated text from the user's docs, if any.
    let has_docs = decl.attrs.iter().any(|attr| attr.path().is_ident("doc"));
    let mut doc = String::from(if has_docs { "\n\n" } else { "" });

    match &plan.request {
        Request::Raw(value) => {
            doc += &format!(
                "A classic ioctl with the complete request number `{value:#010x}`; direction `{}`.\n\n",
                dir.keyword()
            );
        }
        Request::Encoded { group, number, size_type } => {
            let c_args = match size_type {
                Some(ty) => format!("{group:#04X}, {number:#04X}, {}", type_text(ty)),
                None => format!("{group:#04X}, {number:#04X}"),
            };
            doc += &format!("Equals the C macro `{}({c_args})`.\n\n", dir.c_macro());
            let (size, request) = match size_type {
                None => ("0".to_string(), Some(generic_request(dir, *group, *number, 0))),
                Some(ty) => match known_size(ty) {
                    Some(bytes) => (bytes.to_string(), generic_request(dir, *group, *number, bytes).into()),
                    None => (format!("`size_of::<{}>()`", type_text(ty)), None),
                },
            };
            let request = match request.flatten() {
                Some(value) => format!("`{value:#010x}` (generic layout: x86, arm, riscv, s390x, loongarch)"),
                None => format!("`{name}.request()`"),
            };
            doc += "| direction | group | number | size (bytes) | request number |\n|---|---|---|---|---|\n";
            doc += &format!("| `{}` | `{group:#04x}` | `{number:#04x}` | {size} | {request} |\n\n", dir.keyword());
        }
    }

    let target = match &decl.on {
        Some((_, ty)) => format!("Applies to `{}` handles.", type_text(ty)),
        None => "Applies to any file descriptor.".to_string(),
    };
    doc += &target;
    doc += " ";
    doc += &match plan.argument {
        Argument::None => "Takes no argument (passes 0).".to_string(),
        Argument::Read(ty) => format!("The kernel writes the payload, `{}`, which the call returns.", type_text(ty)),
        Argument::Write(ty) => format!("The kernel reads the payload, `{}`, which the call borrows.", type_text(ty)),
        Argument::ReadWrite(ty) => format!("The kernel reads and rewrites the payload, `{}`, which the call borrows mutably.", type_text(ty)),
        Argument::Value(ty) => format!("Takes a `{}` by value.", type_text(ty)),
        Argument::WriteFlex(ty) => format!(
            "The kernel reads a `{}` header and the elements it counts, from a borrowed `Flex<{0}>`.",
            type_text(ty)
        ),
        Argument::ReadWriteFlex(ty) => format!(
            "The kernel reads a `{}` header, then writes the header and at most the elements it counted, into a mutably borrowed `Flex<{0}>`.",
            type_text(ty)
        ),
    };
    doc += " ";
    doc += match decl.ret.as_ref().map(|(_, kind)| kind) {
        Some(ReturnKind::Count) => "Returns the kernel's non-negative return value.",
        Some(ReturnKind::Zero) => "The kernel returns 0 on success.",
        Some(ReturnKind::Fd) => "Returns a new file descriptor as an `OwnedFd`.",
        Some(ReturnKind::Handle(_)) => "Returns a new file descriptor as a typed handle.",
        None if dir == Dir::Read && decl.acts_as.is_none() => "The kernel returns 0 on success.",
        None => "Returns the kernel's non-negative return value.",
    };

    if let Some((_, names)) = &decl.retry {
        let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
        doc += &format!(" Retried on {}.", names.join(" and "));
    }

    if let Some((_, real)) = &decl.acts_as {
        doc += &format!(
            "\n\nKernel quirk: the number encodes `{}`, but the kernel {} the payload (`as {}`).",
            dir.keyword(),
            match real.dir {
                Dir::Read => "only writes",
                Dir::Write => "only reads",
                Dir::ReadWrite => "reads and writes",
                Dir::None => "does not access",
            },
            real.dir.keyword()
        );
    }
    if let (Some((_, size_ty)), Some((_, payload))) = (&decl.size, &decl.payload) {
        doc += &format!(
            "\n\nKernel quirk: the header sizes the number by `{}`, but the argument is a `{}`.",
            type_text(size_ty),
            type_text(payload)
        );
    }
    doc
}

/// Encodes a request number in the asm-generic layout, or `None` if the size does not
/// fit (the compile-time check reports that).
fn generic_request(dir: Dir, group: u8, number: u8, size: usize) -> Option<u32> {
    if size > 0x3FFF {
        return None;
    }
    let dir_bits: u32 = match dir {
        Dir::None => 0,
        Dir::Write => 1,
        Dir::Read => 2,
        Dir::ReadWrite => 3,
    };
    Some((dir_bits << 30) | ((size as u32) << 16) | (u32::from(group) << 8) | u32::from(number))
}
