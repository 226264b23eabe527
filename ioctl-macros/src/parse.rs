//! Parsing: tokens to the model in `ast`.
//!
//! The grammar, with `$` marking placeholders:
//!
//! ```text
//! ioctl! {
//!     unsafe {
//!         group $GROUP;
//!         $ATTRS $VIS fd $NAME (= "$PATH")?;
//!         $ATTRS $VIS kind $NAME = $HANDLE (| $HANDLE)+;
//!         $ATTRS $VIS table $NAME;
//!         $ATTRS $VIS $DIR $NAME = (raw)? $NUMBER
//!             (=> $PAYLOAD ([])?)? (($INT))? (size $TYPE)? (as $DIR)? (on $HANDLE)? (-> $RETURN)?
//!             (retry $ERRNO (| $ERRNO)*)?;
//!     }
//! }
//! ```
//!
//! Each statement is parsed on its own, so one malformed statement yields one error and the
//! others are still parsed, validated and expanded.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Error, Ident, Lit, Token, Type, Visibility};

use crate::ast::{
    Block, Dir, DirToken, FdDecl, GroupDecl, IoctlDecl, KindDecl, Literal, Number, ReturnKind,
    Statement, TableDecl,
};

const STATEMENT_KEYWORDS: &str = "`group`, `fd`, `kind`, `table`, `none`, `read`, `write` or `readwrite`";

/// Parses an invocation. Returns the statements that parsed and the errors of those that
/// did not; a missing `unsafe` block is a single error.
pub fn parse_block(input: TokenStream) -> Result<(Block, Vec<Error>), Error> {
    let mut tokens = input.into_iter().peekable();

    let unsafe_token: Token![unsafe] = match tokens.next() {
        Some(TokenTree::Ident(ident)) if ident == "unsafe" => Token![unsafe](ident.span()),
        Some(first) => return Err(missing_unsafe(first.span())),
        None => {
            return Err(Error::new(
                Span::call_site(),
                "empty `ioctl!` invocation; write `ioctl! { unsafe { group 0xAE; read NAME = 0x01 => Type; } }`",
            ))
        }
    };

    let body = match tokens.next() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
        Some(other) => {
            return Err(Error::new(
                other.span(),
                "expected `{` after `unsafe`; put the declarations in `unsafe { ... }`",
            ))
        }
        None => {
            return Err(Error::new(
                unsafe_token.span,
                "expected `{ ... }` after `unsafe`; put the declarations in `unsafe { ... }`",
            ))
        }
    };

    let mut errors = Vec::new();
    if let Some(extra) = tokens.next() {
        errors.push(Error::new(
            extra.span(),
            "unexpected tokens after the `unsafe` block; put every declaration inside it",
        ));
    }

    let mut statements = Vec::new();
    let mut group_attempted = false;
    for chunk in split_statements(body.stream()) {
        let Chunk { tokens, terminated, last_span } = chunk;
        if !terminated {
            errors.push(Error::new(
                last_span,
                "expected `;` at the end of this declaration",
            ));
            continue;
        }
        let first_span = tokens.clone().into_iter().next().map_or(last_span, |tree| tree.span());
        if let Err(error) = crate::limits::check_nesting(&tokens, first_span, "declaration") {
            errors.push(error);
            continue;
        }
        let starts_with_group = first_keyword(&tokens).is_some_and(|ident| ident == "group");
        match parse_statement.parse2(tokens) {
            Ok(statement) => statements.push(statement),
            Err(error) => {
                group_attempted |= starts_with_group;
                errors.push(error);
            }
        }
    }

    Ok((Block { unsafe_token, statements, group_attempted }, errors))
}

fn missing_unsafe(span: Span) -> Error {
    Error::new(
        span,
        "ioctl declarations must be inside `unsafe { ... }`, because the compiler cannot check them against the kernel; write `ioctl! { unsafe { ... } }` after checking each line against the kernel's header",
    )
}

/// Returns the first identifier of a statement after its attributes and `pub(...)`.
fn first_keyword(tokens: &TokenStream) -> Option<proc_macro2::Ident> {
    tokens.clone().into_iter().find_map(|tree| match tree {
        TokenTree::Ident(ident) if ident != "pub" => Some(ident),
        _ => None,
    })
}

struct Chunk {
    tokens: TokenStream,
    terminated: bool,
    last_span: Span,
}

/// Splits a token stream at top-level `;`. Delimited groups are single token trees, so a
/// `;` inside `[u8; 16]` does not split.
fn split_statements(stream: TokenStream) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    for tree in stream {
        match &tree {
            TokenTree::Punct(punct) if punct.as_char() == ';' => {
                let last_span = punct.span();
                chunks.push(Chunk {
                    tokens: current.drain(..).collect(),
                    terminated: true,
                    last_span,
                });
            }
            _ => current.push(tree),
        }
    }
    if let Some(last) = current.last() {
        let last_span = last.span();
        chunks.push(Chunk {
            tokens: current.into_iter().collect(),
            terminated: false,
            last_span,
        });
    }
    // `;;` yields an empty chunk; it is harmless, like an empty statement in Rust.
    chunks.retain(|chunk| !chunk.tokens.is_empty() || !chunk.terminated);
    chunks
}

fn parse_statement(input: ParseStream) -> syn::Result<Statement> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;

    let keyword: Ident = match input.parse() {
        Ok(ident) => ident,
        Err(_) => {
            return Err(Error::new(
                input.span(),
                format!("expected a declaration; start it with {STATEMENT_KEYWORDS}"),
            ))
        }
    };

    let statement = match keyword.to_string().as_str() {
        "group" => {
            if let Some(attr) = attrs.first() {
                return Err(Error::new_spanned(
                    attr,
                    "attributes are not allowed on `group`; put them on the items",
                ));
            }
            if !matches!(vis, Visibility::Inherited) {
                return Err(Error::new_spanned(
                    &vis,
                    "`group` has no visibility; remove it",
                ));
            }
            let value = parse_literal(input, "group")?;
            Statement::Group(GroupDecl { keyword, value })
        }
        "fd" => Statement::Fd(parse_fd(input, attrs, vis)?),
        "kind" => Statement::Kind(parse_kind(input, attrs, vis)?),
        "table" => {
            let name: Ident = input.parse().map_err(|error| {
                Error::new(error.span(), "expected the table's name after `table`, such as `table KVM_IOCTLS;`")
            })?;
            Statement::Table(TableDecl { attrs, vis, keyword, name })
        }
        _ => match direction(&keyword) {
            Some(dir) => {
                let dir = DirToken { dir, ident: keyword };
                Statement::Ioctl(Box::new(parse_ioctl(input, attrs, vis, dir)?))
            }
            None => return Err(unknown_keyword(&keyword)),
        },
    };

    if !input.is_empty() {
        return Err(Error::new(
            input.span(),
            "unexpected token; expected `=>`, `(`, `size`, `as`, `on`, `->`, `retry` or `;`",
        ));
    }
    Ok(statement)
}

fn direction(ident: &Ident) -> Option<Dir> {
    match ident.to_string().as_str() {
        "none" => Some(Dir::None),
        "read" => Some(Dir::Read),
        "write" => Some(Dir::Write),
        "readwrite" => Some(Dir::ReadWrite),
        _ => None,
    }
}

fn unknown_keyword(keyword: &Ident) -> Error {
    let text = keyword.to_string();
    let suggestion = match text.to_ascii_lowercase().trim_start_matches('_') {
        "io" | "no_arg" | "noarg" | "nothing" => Some("none"),
        "ior" | "get" | "getter" | "reed" | "raed" | "rd" => Some("read"),
        "iow" | "set" | "setter" | "wirte" | "wrte" | "wr" => Some("write"),
        "iowr" | "read_write" | "readwrite" | "write_read" | "writeread" | "rw" | "update" => {
            Some("readwrite")
        }
        "grp" | "magic" | "type" => Some("group"),
        _ => None,
    };
    let message = match suggestion {
        Some(fix) => format!("unknown declaration `{text}`; did you mean `{fix}`? expected {STATEMENT_KEYWORDS}"),
        None => format!("unknown declaration `{text}`; expected {STATEMENT_KEYWORDS}"),
    };
    Error::new(keyword.span(), message)
}

fn parse_literal(input: ParseStream, what: &str) -> syn::Result<Literal> {
    let minus: Option<Token![-]> = input.parse()?;
    if input.is_empty() {
        return Err(Error::new(
            input.span(),
            format!("expected the {what} after this token; write an integer such as `0xAE`"),
        ));
    }
    match input.parse::<Lit>() {
        Ok(lit) => Ok(Literal { minus, lit }),
        Err(_) => {
            let found = input.parse::<TokenTree>()?;
            Err(Error::new(
                found.span(),
                format!("expected an integer literal for the {what}, found `{found}`; write a number such as `0xAE`"),
            ))
        }
    }
}

fn parse_fd(input: ParseStream, attrs: Vec<Attribute>, vis: Visibility) -> syn::Result<FdDecl> {
    let name: Ident = input.parse().map_err(|error| {
        Error::new(error.span(), "expected the handle's name after `fd`, such as `fd Vcpu;`")
    })?;
    let path = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        Some(input.parse().map_err(|error| {
            Error::new(
                error.span(),
                "expected the device path as a string after `=`, such as `fd Kvm = \"/dev/kvm\";`",
            )
        })?)
    } else {
        None
    };
    Ok(FdDecl { attrs, vis, name, path })
}

fn parse_kind(input: ParseStream, attrs: Vec<Attribute>, vis: Visibility) -> syn::Result<KindDecl> {
    let name: Ident = input.parse().map_err(|error| {
        Error::new(error.span(), "expected the kind's name after `kind`, such as `kind KvmOrVm = Kvm | Vm;`")
    })?;
    input.parse::<Token![=]>().map_err(|error| {
        Error::new(error.span(), format!("expected `=` and the handle types after `{name}`, such as `{name} = Kvm | Vm`"))
    })?;
    let mut members = Vec::new();
    loop {
        let member = parse_type(input, if members.is_empty() { "=" } else { "|" })?;
        members.push(member);
        if !input.peek(Token![|]) {
            break;
        }
        input.parse::<Token![|]>()?;
    }
    Ok(KindDecl { attrs, vis, name, members })
}

fn parse_ioctl(
    input: ParseStream,
    attrs: Vec<Attribute>,
    vis: Visibility,
    dir: DirToken,
) -> syn::Result<IoctlDecl> {
    let name: Ident = input.parse().map_err(|error| {
        Error::new(
            error.span(),
            format!("expected the ioctl's name after `{}`, such as `KVM_GET_REGS`", dir.dir.keyword()),
        )
    })?;
    input.parse::<Token![=]>().map_err(|error| {
        Error::new(
            error.span(),
            format!("expected `=` and the ioctl number after `{name}`, such as `{name} = 0x01`"),
        )
    })?;

    let number = if input.peek(syn::Ident) && input.fork().parse::<Ident>()? == "raw" {
        input.parse::<Ident>()?;
        Number::Raw(parse_literal(input, "raw request number")?)
    } else {
        Number::InGroup(parse_literal(input, "ioctl number")?)
    };

    let mut decl = IoctlDecl {
        attrs,
        vis,
        dir,
        name,
        number,
        payload: None,
        flex: None,
        value: None,
        size: None,
        acts_as: None,
        on: None,
        ret: None,
        retry: None,
    };

    while !input.is_empty() {
        parse_clause(input, &mut decl)?;
    }
    Ok(decl)
}

fn duplicate_clause(span: Span, clause: &str) -> Error {
    Error::new(span, format!("`{clause}` is given twice; keep one"))
}

fn parse_type(input: ParseStream, after: &str) -> syn::Result<Type> {
    if input.is_empty() {
        return Err(Error::new(
            input.span(),
            format!("expected a type after `{after}`"),
        ));
    }
    input.parse::<Type>().map_err(|error| {
        Error::new(error.span(), format!("expected a type after `{after}`"))
    })
}

fn parse_clause(input: ParseStream, decl: &mut IoctlDecl) -> syn::Result<()> {
    if input.peek(Token![=>]) {
        let arrow: Token![=>] = input.parse()?;
        if decl.payload.is_some() {
            return Err(duplicate_clause(arrow.span(), "=>"));
        }
        let ty = parse_type(input, "=>")?;
        decl.payload = Some((arrow, ty));
        if input.peek(syn::token::Bracket) {
            let content;
            let bracket = syn::bracketed!(content in input);
            if !content.is_empty() {
                return Err(Error::new(
                    content.span(),
                    "write `Header[]` for a payload with a flexible array; the element type comes from the header's `FlexHeader` impl",
                ));
            }
            decl.flex = Some(bracket.span.join());
        }
    } else if input.peek(syn::token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        if decl.value.is_some() {
            return Err(duplicate_clause(paren.span.join(), "(...)"));
        }
        let ty: Type = content.parse().map_err(|error| {
            Error::new(error.span(), "expected the by-value integer type, such as `(c_ulong)`")
        })?;
        if !content.is_empty() {
            return Err(Error::new(
                content.span(),
                "expected one integer type in parentheses, such as `(c_ulong)`",
            ));
        }
        decl.value = Some((paren, ty));
    } else if input.peek(Token![as]) {
        let as_token: Token![as] = input.parse()?;
        if decl.acts_as.is_some() {
            return Err(duplicate_clause(as_token.span, "as"));
        }
        let ident: Ident = input.parse().map_err(|error| {
            Error::new(error.span(), "expected `read`, `write` or `readwrite` after `as`")
        })?;
        let dir = direction(&ident).ok_or_else(|| {
            Error::new(
                ident.span(),
                format!("unknown direction `{ident}` after `as`; expected `read`, `write` or `readwrite`"),
            )
        })?;
        decl.acts_as = Some((as_token, DirToken { dir, ident }));
    } else if input.peek(Token![->]) {
        let arrow: Token![->] = input.parse()?;
        if decl.ret.is_some() {
            return Err(duplicate_clause(arrow.span(), "->"));
        }
        decl.ret = Some((arrow, parse_return(input)?));
    } else if input.peek(syn::Ident) {
        let ident: Ident = input.fork().parse()?;
        match ident.to_string().as_str() {
            "on" => {
                let keyword: Ident = input.parse()?;
                if decl.on.is_some() {
                    return Err(duplicate_clause(keyword.span(), "on"));
                }
                let ty = parse_type(input, "on")?;
                decl.on = Some((keyword, ty));
            }
            "retry" => {
                let keyword: Ident = input.parse()?;
                if decl.retry.is_some() {
                    return Err(duplicate_clause(keyword.span(), "retry"));
                }
                let mut errors = Vec::new();
                loop {
                    let name: Ident = input.parse().map_err(|error| {
                        Error::new(error.span(), "expected `EINTR` or `EAGAIN` after `retry`, such as `retry EINTR | EAGAIN`")
                    })?;
                    errors.push(name);
                    if !input.peek(Token![|]) {
                        break;
                    }
                    input.parse::<Token![|]>()?;
                }
                decl.retry = Some((keyword, errors));
            }
            "size" => {
                let keyword: Ident = input.parse()?;
                if decl.size.is_some() {
                    return Err(duplicate_clause(keyword.span(), "size"));
                }
                let ty = parse_type(input, "size")?;
                decl.size = Some((keyword, ty));
            }
            other => {
                let hint = match other {
                    "returns" | "ret" | "return" => "; write the return clause as `-> count`",
                    "for" | "fd" | "target" => "; write the fd kind as `on Handle`",
                    _ => "",
                };
                return Err(Error::new(
                    ident.span(),
                    format!("unexpected `{other}`; expected `=>`, `(`, `size`, `as`, `on`, `->`, `retry` or `;`{hint}"),
                ));
            }
        }
    } else {
        let tree: TokenTree = input.parse()?;
        return Err(Error::new(
            tree.span(),
            format!("unexpected `{tree}`; expected `=>`, `(`, `size`, `as`, `on`, `->`, `retry` or `;`"),
        ));
    }
    Ok(())
}

fn parse_return(input: ParseStream) -> syn::Result<ReturnKind> {
    if input.is_empty() {
        return Err(Error::new(
            input.span(),
            "expected `count`, `zero`, `fd` or a handle type after `->`",
        ));
    }
    if input.peek(syn::Ident) && !input.peek2(Token![::]) && !input.peek2(Token![<]) {
        let ident: Ident = input.fork().parse()?;
        let policy = match ident.to_string().as_str() {
            "count" => Some(ReturnKind::Count),
            "zero" => Some(ReturnKind::Zero),
            "fd" => Some(ReturnKind::Fd),
            _ => None,
        };
        if let Some(policy) = policy {
            input.parse::<Ident>()?;
            return Ok(policy);
        }
    }
    let ty: Type = input.parse().map_err(|error| {
        Error::new(
            error.span(),
            "expected `count`, `zero`, `fd` or a handle type after `->`",
        )
    })?;
    Ok(ReturnKind::Handle(Box::new(ty)))
}
