//! Validation: checks that need the whole invocation or the values of literals, and turns
//! each declaration into the plan that `expand` writes out.
//!
//! Every check adds its error and goes on, so one invocation reports all of its mistakes.
//! A declaration with an error is left out of the plan; the others are still expanded.

use std::collections::HashMap;

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Error, Ident, Lit, Type};

use crate::ast::{Block, Dir, FdDecl, IoctlDecl, KindDecl, Literal, Number, ReturnKind, Statement, TableDecl};

/// The items that `expand` generates.
pub struct Plan<'a> {
    pub unsafe_span: Span,
    pub fds: Vec<&'a FdDecl>,
    pub kinds: Vec<&'a KindDecl>,
    pub table: Option<&'a TableDecl>,
    pub ioctls: Vec<IoctlPlan<'a>>,
    pub distinct_checks: Vec<(&'a Ident, &'a Ident)>,
}

/// The source of a request number.
pub enum Request<'a> {
    /// `_IOC(dir, group, number, size_of::<size_type>())`, or size 0 when `size_type` is
    /// `None`.
    Encoded {
        group: u8,
        number: u8,
        size_type: Option<&'a Type>,
    },
    Raw(u32),
}

/// The kind of argument a call passes, after any `as` override.
pub enum Argument<'a> {
    None,
    Read(&'a Type),
    Write(&'a Type),
    ReadWrite(&'a Type),
    Value(&'a Type),
    WriteFlex(&'a Type),
    ReadWriteFlex(&'a Type),
}

pub struct IoctlPlan<'a> {
    pub decl: &'a IoctlDecl,
    pub request: Request<'a>,
    pub argument: Argument<'a>,
}

#[derive(Default)]
struct Errors(Vec<Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.0.push(Error::new(span, message));
    }

    /// Adds an error that covers all of `tokens`, such as both `-` and `1` of `-1`.
    fn push_tokens(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.0.push(Error::new_spanned(tokens, message));
    }
}

pub fn validate(block: &Block) -> (Plan<'_>, Vec<Error>) {
    let mut errors = Errors::default();

    let group = check_groups(block, &mut errors);
    let duplicates = check_names(block, &mut errors);

    let mut fds = Vec::new();
    let mut kinds = Vec::new();
    let mut table: Option<&TableDecl> = None;
    let mut ioctls = Vec::new();
    for (index, statement) in block.statements.iter().enumerate() {
        // A second declaration of a name is reported above and left out, so that the
        // compiler does not add its own "defined multiple times" error.
        if duplicates.contains(&index) {
            continue;
        }
        match statement {
            Statement::Group(_) => {}
            Statement::Fd(fd) => {
                if check_fd(fd, &mut errors) {
                    fds.push(fd);
                }
            }
            Statement::Kind(kind) => {
                if check_kind(kind, &mut errors) {
                    kinds.push(kind);
                }
            }
            Statement::Table(decl) => match table {
                    Some(first) => errors.push(
                        decl.keyword.span(),
                        format!("`table` is declared twice (first as `{}`); one table lists the whole invocation", first.name),
                    ),
                    None => table = Some(decl),
                },
            Statement::Ioctl(decl) => {
                if let Some(plan) = check_ioctl(decl, group, &mut errors) {
                    ioctls.push(plan);
                }
            }
        }
    }

    let distinct_checks = check_duplicate_numbers(&ioctls, &mut errors);

    let plan = Plan {
        unsafe_span: block.unsafe_token.span,
        fds,
        kinds,
        table,
        ioctls,
        distinct_checks,
    };
    (plan, errors.0)
}

/// The group's value, once valid. `Err(())` when no group was declared, `Ok(None)` when
/// one was declared but is invalid (its error is already reported).
type GroupValue = Result<Option<u8>, ()>;

fn check_groups(block: &Block, errors: &mut Errors) -> GroupValue {
    let mut first: Option<&Literal> = None;
    let mut value = None;
    for statement in &block.statements {
        let Statement::Group(group) = statement else { continue };
        if let Some(previous) = first {
            errors.push(
                group.keyword.span(),
                format!(
                    "`group` is declared twice (first as `{}`); use one `ioctl!` invocation per group",
                    previous.lit.to_token_stream()
                ),
            );
            continue;
        }
        first = Some(&group.value);
        value = byte_value(&group.value, "group", errors);
    }
    match first {
        Some(_) => Ok(value),
        // The statement's own parse error already explains the missing group.
        None if block.group_attempted => Ok(None),
        None => Err(()),
    }
}

/// Returns the value of a group or number literal if it is an integer, byte or ASCII
/// character from 0 to 255.
fn byte_value(literal: &Literal, what: &str, errors: &mut Errors) -> Option<u8> {
    if literal.minus.is_some() {
        errors.push_tokens(literal, format!("the {what} cannot be negative; write a value from 0 to 0xFF"));
        return None;
    }
    match &literal.lit {
        Lit::Int(int) => match int.base10_parse::<u64>() {
            Ok(v) if v <= 0xFF => Some(v as u8),
            Ok(v) => {
                errors.push_tokens(
                    literal,
                    format!("the {what} {} ({v:#x}) does not fit in 8 bits; write a value from 0 to 0xFF", int.base10_digits()),
                );
                None
            }
            Err(_) => {
                errors.push_tokens(literal, format!("the {what} does not fit in 8 bits; write a value from 0 to 0xFF"));
                None
            }
        },
        Lit::Byte(byte) => Some(byte.value()),
        Lit::Char(c) if c.value().is_ascii() => Some(c.value() as u8),
        Lit::Char(_) => {
            errors.push_tokens(literal, format!("the {what} must be an ASCII character; write it as a byte literal such as `b'v'`"));
            None
        }
        other => {
            errors.push_tokens(literal, format!("the {what} must be an integer, found {}; write a value such as `0xAE` or `b'v'`", describe(other)));
            None
        }
    }
}

fn describe(lit: &Lit) -> &'static str {
    match lit {
        Lit::Str(_) => "a string",
        Lit::ByteStr(_) => "a byte string",
        Lit::CStr(_) => "a C string",
        Lit::Float(_) => "a float",
        Lit::Bool(_) => "a bool",
        Lit::Verbatim(_) => "an unknown literal",
        Lit::Int(_) | Lit::Byte(_) | Lit::Char(_) => "an integer",
        _ => "a literal",
    }
}

/// Reports names declared twice and returns the indices of the later declarations.
///
/// Declarations that carry `#[cfg]` may share a name, as variants for different targets;
/// the compiler reports a clash if two of them are enabled at once.
fn check_names(block: &Block, errors: &mut Errors) -> Vec<usize> {
    let mut seen: HashMap<String, ()> = HashMap::new();
    let mut duplicates = Vec::new();
    for (index, statement) in block.statements.iter().enumerate() {
        let (name, attrs) = match statement {
            Statement::Group(_) => continue,
            Statement::Fd(fd) => (&fd.name, &fd.attrs),
            Statement::Table(table) => (&table.name, &table.attrs),
            Statement::Kind(kind) => (&kind.name, &kind.attrs),
            Statement::Ioctl(decl) => (&decl.name, &decl.attrs),
        };
        if has_cfg(attrs) {
            continue;
        }
        if seen.insert(name.to_string(), ()).is_some() {
            errors.push(
                name.span(),
                format!("`{name}` is declared twice in this invocation; rename or remove one of them"),
            );
            duplicates.push(index);
        }
    }
    duplicates
}

fn has_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident("cfg"))
}

fn check_kind(kind: &KindDecl, errors: &mut Errors) -> bool {
    if kind.members.len() < 2 {
        errors.push(
            kind.name.span(),
            format!("`kind {}` names one handle; write `on` with that handle instead, or list two or more as `Kvm | Vm`", kind.name),
        );
        return false;
    }
    let mut seen = Vec::new();
    for member in &kind.members {
        let text = member.to_token_stream().to_string();
        if seen.contains(&text) {
            errors.push(member.span(), format!("`{text}` is listed twice in `kind {}`; keep one", kind.name));
            return false;
        }
        seen.push(text);
    }
    true
}

fn check_fd(fd: &FdDecl, errors: &mut Errors) -> bool {
    let Some(path) = &fd.path else { return true };
    let value = path.value();
    if !value.starts_with('/') || value.contains('\0') {
        errors.push(
            path.span(),
            "the device path must be absolute and contain no NUL byte, such as `\"/dev/kvm\"`",
        );
        return false;
    }
    true
}

fn check_ioctl<'a>(decl: &'a IoctlDecl, group: GroupValue, errors: &mut Errors) -> Option<IoctlPlan<'a>> {
    let before = errors.0.len();
    let dir = decl.dir.dir;
    let keyword = dir.keyword();

    // Payload and by-value argument against the direction.
    match (dir, &decl.payload, &decl.value) {
        (_, Some((arrow, _)), Some((paren, _))) => {
            errors.push(
                arrow.span().join(paren.span.join()).unwrap_or(paren.span.join()),
                "an ioctl takes either a payload `=> Type` or a by-value integer `(Type)`, not both; remove one",
            );
        }
        // Some headers encode `_IO` for an ioctl that takes a payload; `as` states what
        // the kernel really does with it.
        (Dir::None, Some(_), None) if decl.acts_as.is_some() => {}
        (Dir::None, Some((arrow, ty)), None) => errors.push(
            arrow.span().join(ty.span()).unwrap_or(arrow.span()),
            "a `none` ioctl has no payload; remove `=> Type`, declare it `read`, `write` or `readwrite`, or add `as write` when the header encodes `_IO` for a payload the kernel reads",
        ),
        (Dir::Read | Dir::ReadWrite, None, Some((paren, _))) => errors.push(
            paren.span.join(),
            format!("the kernel cannot write back through a by-value argument; declare it `none` or `write`, or give a payload `=> Type` to `{keyword}`"),
        ),
        (Dir::Read | Dir::Write | Dir::ReadWrite, None, None) => errors.push(
            decl.name.span(),
            format!("a `{keyword}` ioctl needs a payload type; add `=> Type` after the number"),
        ),
        _ => {}
    }

    if let Some((_, ty)) = &decl.value {
        if is_unit(ty) {
            errors.push(ty.span(), "`()` is not an integer type; remove the parentheses for an ioctl without argument");
        }
    }

    // A flexible array payload.
    if let Some(span) = decl.flex {
        if dir == Dir::Read && decl.acts_as.is_none() {
            errors.push(span, "the kernel reads the element count of a flexible array payload, so it cannot be `read`; declare it `readwrite`");
        } else if decl.acts_as.is_some() {
            errors.push(span, "`as` cannot be combined with a flexible array payload; declare the direction the kernel uses");
        }
    }

    // The encoded size override.
    if let Some((keyword_token, _)) = &decl.size {
        if matches!(decl.number, Number::Raw(_)) {
            errors.push(keyword_token.span(), "a raw request number already contains its size; remove `size`");
        } else if dir == Dir::None {
            errors.push(keyword_token.span(), "a `none` ioctl encodes size 0; remove `size`, or declare the direction the header uses");
        }
    }

    // The `as` override.
    let effective = match &decl.acts_as {
        None => dir,
        Some((as_token, real)) => {
            let span = as_token.span.join(real.ident.span()).unwrap_or(as_token.span);
            if matches!(decl.number, Number::Raw(_)) {
                errors.push(span, "a raw request number encodes no direction to override; declare the direction the kernel uses and remove `as`");
            } else if dir == Dir::None && decl.payload.is_none() {
                errors.push(span, "`as` describes a payload, and this `none` ioctl has none; remove `as`, or add the payload `=> Type`");
            } else if real.dir == dir {
                errors.push(span, format!("`as {}` repeats the declared direction; remove it", real.dir.keyword()));
            } else if real.dir == Dir::None {
                errors.push(span, "`as none` is not supported; a payload is always passed as a pointer");
            } else if decl.value.is_some() {
                errors.push(span, "`as` applies to payloads, not to by-value arguments; remove it");
            }
            real.dir
        }
    };

    // The retry clause.
    if let Some((_, names)) = &decl.retry {
        let mut seen = Vec::new();
        for name in names {
            let text = name.to_string();
            let canonical = if text == "EWOULDBLOCK" { "EAGAIN".to_string() } else { text.clone() };
            if canonical != "EINTR" && canonical != "EAGAIN" {
                errors.push(name.span(), format!("`retry` takes `EINTR` or `EAGAIN`, not `{text}`; other errors always reach the caller"));
            } else if seen.contains(&canonical) {
                errors.push(name.span(), format!("`{text}` is listed twice after `retry`; keep one"));
            } else {
                seen.push(canonical);
            }
        }
    }

    // The return clause.
    if let Some((_, ReturnKind::Handle(ty))) = &decl.ret {
        if is_unit(ty) {
            errors.push(ty.span(), "`-> ()` is not a return policy; write `-> zero` when the kernel returns 0 on success");
        } else if let Some(name) = integer_name(ty) {
            errors.push(ty.span(), format!("`-> {name}` is not a handle; write `-> count` to get the return value as a `c_int`"));
        }
    }

    // The fd kind: a primitive or a non-path type can never be one, and would only fail
    // later, at each call.
    if let Some((_, ty)) = &decl.on {
        let primitive = integer_name(ty).or_else(|| primitive_name(ty));
        if primitive.is_some() || !matches!(ty, Type::Path(_)) {
            let text = primitive.unwrap_or_else(|| ty.to_token_stream().to_string().replace("& ", "&"));
            errors.0.push(Error::new_spanned(
                ty,
                format!("`on {text}` is not an fd kind; write `on Handle` with a handle declared by `fd Handle;`, or remove `on` to accept any file descriptor"),
            ));
        }
    }

    let request = match &decl.number {
        Number::InGroup(literal) => {
            let number = byte_value(literal, "ioctl number", errors);
            let group = match group {
                Ok(group) => group,
                Err(()) => {
                    errors.push(
                        literal.span(),
                        "this ioctl number needs a group; add `group 0xNN;` before the declarations, or write a complete number as `raw 0xNNNN`",
                    );
                    None
                }
            };
            let size_type = match &decl.size {
                Some((_, ty)) => Some(ty),
                None if dir == Dir::None => None,
                None => decl
                    .payload
                    .as_ref()
                    .map(|(_, ty)| ty)
                    .or(decl.value.as_ref().map(|(_, ty)| ty)),
            };
            match (group, number) {
                (Some(group), Some(number)) => Some(Request::Encoded { group, number, size_type }),
                _ => None,
            }
        }
        Number::Raw(value) => raw_value(value, errors).map(Request::Raw),
    };

    if errors.0.len() > before {
        return None;
    }

    let argument = match (effective, &decl.payload, &decl.value) {
        (_, None, Some((_, ty))) => Argument::Value(ty),
        (Dir::Write, Some((_, ty)), None) if decl.flex.is_some() => Argument::WriteFlex(ty),
        (Dir::ReadWrite, Some((_, ty)), None) if decl.flex.is_some() => Argument::ReadWriteFlex(ty),
        (Dir::Read, Some((_, ty)), None) => Argument::Read(ty),
        (Dir::Write, Some((_, ty)), None) => Argument::Write(ty),
        (Dir::ReadWrite, Some((_, ty)), None) => Argument::ReadWrite(ty),
        _ => Argument::None,
    };

    Some(IoctlPlan { decl, request: request?, argument })
}

fn raw_value(literal: &Literal, errors: &mut Errors) -> Option<u32> {
    if literal.minus.is_some() {
        errors.push_tokens(literal, "a raw request number cannot be negative; write the unsigned 32-bit value, such as `0xC0105300`");
        return None;
    }
    match &literal.lit {
        Lit::Int(int) => match int.base10_parse::<u64>() {
            Ok(v) if v <= u64::from(u32::MAX) => Some(v as u32),
            _ => {
                errors.push_tokens(literal, "a raw request number must fit in 32 bits; write a value from 0 to 0xFFFFFFFF");
                None
            }
        },
        other => {
            errors.push_tokens(literal, format!("a raw request number must be an integer, found {}; write a value such as `0x541B`", describe(other)));
            None
        }
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// Returns the name of `ty` if it is a plain integer type name.
fn integer_name(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?.ident.to_string();
    const INTEGERS: &[&str] = &[
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "c_int", "c_uint",
        "c_long", "c_ulong", "c_short", "c_ushort", "c_char", "c_uchar",
    ];
    INTEGERS.contains(&last.as_str()).then_some(last)
}

/// Returns the name of `ty` if it is `bool`, `char`, `str` or a float type.
fn primitive_name(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let name = path.path.get_ident()?.to_string();
    ["bool", "char", "str", "f32", "f64"].contains(&name.as_str()).then_some(name)
}

/// An encoded declaration, its direction bits and the text of its `size` type.
type EncodedDecl<'a> = (&'a IoctlDecl, u8, Option<String>);

/// Finds pairs of ioctls that may share a request number. Pairs that certainly do are
/// errors here. Pairs that the macro cannot decide (sizes it cannot compare, a raw number
/// beside an encoded one, declarations under `#[cfg]`) are returned for a check at compile
/// time. Ioctls on different fd kinds may share a number, because the kernel dispatches
/// each request to the driver of its file (`KVM_CHECK_EXTENSION` works on the system and
/// the VM fd alike). An ioctl without `on` accepts every descriptor, so it shares each
/// kind's numbers, as `ioctl_core::info::request_clashes` also counts it.
fn check_duplicate_numbers<'a>(ioctls: &[IoctlPlan<'a>], errors: &mut Errors) -> Vec<(&'a Ident, &'a Ident)> {
    let mut encoded: HashMap<(u8, u8), Vec<EncodedDecl<'a>>> = HashMap::new();
    let mut raw: Vec<(&'a IoctlDecl, u32)> = Vec::new();
    let mut deferred = Vec::new();

    // NOTE: kinds are compared as written, so `Vcpu` and `self::Vcpu` differ here. The
    // macro cannot resolve paths; `ioctl_core::info::request_clashes` compares the types.
    let kind = |decl: &IoctlDecl| decl.on.as_ref().map(|(_, ty)| ty.to_token_stream().to_string());
    let overlap = |first: &IoctlDecl, second: &IoctlDecl| match (kind(first), kind(second)) {
        (Some(first), Some(second)) => first == second,
        _ => true,
    };
    // When only one of a clashing pair has `on`, the other may just lack it.
    let any_fd_hint = |first: &IoctlDecl, second: &IoctlDecl| match (&first.on, &second.on) {
        (None, Some(_)) => format!(", or declare `{}` `on` its handle kind (without `on` it accepts every descriptor)", first.name),
        (Some(_), None) => format!(", or declare `{}` `on` its handle kind (without `on` it accepts every descriptor)", second.name),
        _ => String::new(),
    };

    for plan in ioctls {
        let decl = plan.decl;
        match &plan.request {
            Request::Raw(value) => {
                for (other, other_value) in &raw {
                    if other_value != value || !overlap(other, decl) {
                        continue;
                    }
                    if has_cfg(&decl.attrs) || has_cfg(&other.attrs) {
                        deferred.push((&other.name, &decl.name));
                    } else {
                        errors.push(
                            decl.name.span(),
                            format!(
                                "`{}` has the same raw request number {value:#010x} as `{}`; each ioctl needs its own number{}",
                                decl.name,
                                other.name,
                                any_fd_hint(other, decl)
                            ),
                        );
                    }
                }
                // Group and number sit in the same bits in every layout.
                let key = ((value >> 8) as u8, *value as u8);
                for (other, _, _) in encoded.get(&key).into_iter().flatten() {
                    if overlap(other, decl) {
                        deferred.push((&other.name, &decl.name));
                    }
                }
                raw.push((decl, *value));
            }
            Request::Encoded { group, number, size_type } => {
                let dir = decl.dir.dir as u8;
                let size_text = size_type.map(|ty| ty.to_token_stream().to_string());
                for (other, other_value) in &raw {
                    if ((other_value >> 8) as u8, *other_value as u8) == (*group, *number) && overlap(other, decl) {
                        deferred.push((&other.name, &decl.name));
                    }
                }
                let entry = encoded.entry((*group, *number)).or_default();
                for (other, other_dir, other_size) in entry.iter() {
                    if *other_dir != dir || !overlap(other, decl) {
                        continue;
                    }
                    if *other_size != size_text || has_cfg(&decl.attrs) || has_cfg(&other.attrs) {
                        deferred.push((&other.name, &decl.name));
                        continue;
                    }
                    let c_type = size_text.as_deref().map(|t| format!(", {t}")).unwrap_or_default();
                    // A `none` ioctl encodes no size, so only the number can differ.
                    let size_hint = if decl.dir.dir == Dir::None { "" } else { ", or the size type if the header differs" };
                    errors.push(
                        decl.name.span(),
                        format!(
                            "`{}` has the same request number as `{}`: `{}({group:#04X}, {number:#04X}{c_type})`; change the number{size_hint}{}",
                            decl.name,
                            other.name,
                            decl.dir.dir.c_macro(),
                            any_fd_hint(other, decl)
                        ),
                    );
                }
                entry.push((decl, dir, size_text));
            }
        }
    }
    deferred
}
