//! Descriptions of declared ioctls and payload layouts, for tables, tools and tests.
//!
//! `ioctl!` builds an [`IoctlInfo`] for each ioctl of an invocation that contains
//! `table NAME;`, and `#[derive(StructLayout)]` describes a payload's fields. Seccomp
//! allow-lists, tracers and header checks read these instead of restating numbers.

use core::any::TypeId;
use core::fmt;

use crate::encode::{Decoded, Direction, Layout};

/// The kind of argument that a declared ioctl passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgumentKind {
    /// No argument; the call passes 0.
    None,
    /// A payload that the kernel writes (the call returns it).
    Read,
    /// A payload that the kernel reads (the call takes `&T`).
    Write,
    /// A payload that the kernel reads and writes (the call takes `&mut T`).
    ReadWrite,
    /// An integer passed by value.
    Value,
}

impl ArgumentKind {
    /// Returns the lowercase name: `none`, `read`, `write`, `readwrite` or `value`.
    pub const fn name(self) -> &'static str {
        match self {
            ArgumentKind::None => "none",
            ArgumentKind::Read => "read",
            ArgumentKind::Write => "write",
            ArgumentKind::ReadWrite => "readwrite",
            ArgumentKind::Value => "value",
        }
    }
}

/// One declared ioctl, as listed by a `table NAME;` statement in `ioctl!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoctlInfo {
    /// The declared name, equal to the C macro's name for kernel ioctls.
    pub name: &'static str,
    /// The request number on the compilation target.
    pub request: u32,
    /// Whether the number was given complete with `raw` rather than encoded from a group.
    pub raw: bool,
    /// The direction keyword of the declaration. For an encoded number this is the
    /// direction in its bits.
    pub direction: Direction,
    /// The kind of argument that the call passes, after any `as` override.
    pub argument: ArgumentKind,
    /// The payload or by-value type as written in the declaration, if any.
    pub argument_type: Option<&'static str>,
    /// The size of the payload or by-value type in bytes (0 without one).
    pub argument_size: usize,
    /// The alignment of the payload or by-value type in bytes (1 without one).
    pub argument_align: usize,
    /// Whether the payload is a header followed by a flexible array (`=> Header[]`); the
    /// argument type and size are then the header's.
    pub flexible: bool,
    /// The type that sizes the number when it differs from the payload (`size Type`).
    pub size_type: Option<&'static str>,
    /// The errors after which a call is issued again.
    pub retry: crate::Retry,
    /// The handle type of `on Handle` as written, or `None` for any file descriptor.
    pub fd_kind: Option<&'static str>,
    /// The handle type of `on Handle` itself, which compares equal for one type however
    /// declarations spell it (`Vcpu`, `self::Vcpu`, a type alias).
    pub fd_type: Option<KindType>,
    /// The return clause: `count`, `zero`, `fd` or a handle type.
    pub returns: &'static str,
}

impl IoctlInfo {
    /// Splits the request number by the target's layout.
    pub const fn decode(&self) -> Decoded {
        Layout::NATIVE.decode(self.request)
    }

    /// Returns whether both ioctls can be sent to one descriptor: they are declared on the
    /// same fd kind, or either of them on any descriptor. Kinds are compared as types, so a
    /// `kind` that lists several handles does not match its members.
    fn shares_descriptors_with(&self, other: &IoctlInfo) -> bool {
        match (self.fd_type, other.fd_type) {
            (Some(first), Some(second)) => first == second,
            _ => true,
        }
    }
}

/// The type that an ioctl is declared `on`, compared by identity rather than by name.
#[derive(Clone, Copy)]
pub struct KindType(fn() -> TypeId);

impl KindType {
    /// Returns the kind that stands for type `K`.
    pub const fn of<K: ?Sized + 'static>() -> KindType {
        KindType(TypeId::of::<K>)
    }

    /// Returns the type's [`TypeId`].
    pub fn type_id(&self) -> TypeId {
        (self.0)()
    }
}

impl PartialEq for KindType {
    fn eq(&self, other: &KindType) -> bool {
        self.type_id() == other.type_id()
    }
}

impl Eq for KindType {}

impl fmt::Debug for KindType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("KindType").field(&self.type_id()).finish()
    }
}

/// Returns every pair of ioctls in `tables` that have the same request number and can be
/// sent to the same descriptor (see [`IoctlInfo::fd_kind`]), ordered by request number,
/// and by table order within one number.
///
/// `ioctl!` rejects such a pair within one invocation. Call this from a test with the
/// tables of all of a crate's invocations to check across them:
///
/// ```
/// use ioctl_core::{info::request_clashes, ioctl};
///
/// ioctl! {
///     // SAFETY: FIONREAD writes one int into the argument.
///     unsafe { pub read FIONREAD = raw 0x541B => i32; pub table FIRST; }
/// }
/// ioctl! {
///     // SAFETY: TIOCINQ is FIONREAD under another name.
///     unsafe { pub read TIOCINQ = raw 0x541B => i32; pub table SECOND; }
/// }
///
/// let clashes = request_clashes(&[FIRST, SECOND]);
/// assert_eq!(clashes.len(), 1);
/// assert_eq!((clashes[0].0.name, clashes[0].1.name), ("FIONREAD", "TIOCINQ"));
/// ```
pub fn request_clashes(tables: &[&'static [IoctlInfo]]) -> Vec<(&'static IoctlInfo, &'static IoctlInfo)> {
    let mut all: Vec<&'static IoctlInfo> = tables.iter().flat_map(|table| table.iter()).collect();
    // A stable sort keeps table order among equal numbers.
    all.sort_by_key(|info| info.request);
    let mut clashes = Vec::new();
    for group in all.chunk_by(|first, second| first.request == second.request) {
        for (index, first) in group.iter().enumerate() {
            for second in &group[index + 1..] {
                if first.shares_descriptors_with(second) {
                    clashes.push((*first, *second));
                }
            }
        }
    }
    clashes
}

/// One field of a payload struct, as described by `#[derive(StructLayout)]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field's name (`0`, `1`, … for tuple structs).
    pub name: &'static str,
    /// The byte offset of the field.
    pub offset: usize,
    /// The size of the field in bytes.
    pub size: usize,
}

/// The layout of a `#[repr(C)]` type, for checks against the C headers.
///
/// Derive it with [`#[derive(StructLayout)]`](macro@crate::StructLayout).
pub trait StructLayout {
    /// The type's name as written in Rust.
    const NAME: &'static str;
    /// `size_of::<Self>()`.
    const SIZE: usize;
    /// `align_of::<Self>()`.
    const ALIGN: usize;
    /// Every field, in declaration order.
    const FIELDS: &'static [FieldInfo];
}

/// The layout of one type, for lists of types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeLayout {
    /// The type's name as written in Rust.
    pub name: &'static str,
    /// The size in bytes.
    pub size: usize,
    /// The alignment in bytes.
    pub align: usize,
    /// Every field, in declaration order.
    pub fields: &'static [FieldInfo],
}

impl TypeLayout {
    /// Returns the layout of `T`.
    pub const fn of<T: StructLayout>() -> TypeLayout {
        TypeLayout {
            name: T::NAME,
            size: T::SIZE,
            align: T::ALIGN,
            fields: T::FIELDS,
        }
    }
}
