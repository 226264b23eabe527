//! Descriptions of everything the crate declares, for header checks, seccomp allow-lists
//! and tracers.
//!
//! The tables here are built from the declarations themselves (`ioctl!` tables,
//! `#[derive(StructLayout)]` and the constant macros), so a tool that reads them never
//! restates a number. The crate's header test compiles a C program from them with gcc
//! against `/usr/include/linux` and compares every value.

use ioctl_core::{FlexHeader, IoctlInfo, StructLayout, TypeLayout};

/// How the C side names a payload type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CType {
    /// `struct NAME`.
    Struct(&'static str),
    /// `union NAME`.
    Union(&'static str),
    /// The type of member `path` of `outer`, for anonymous structs and unions such as
    /// the `io` member of the exit union in `struct kvm_run`: `outer` is a C type such as
    /// `struct kvm_run` and `path` a member designator such as `io`.
    Member {
        /// The enclosing C type, such as `struct kvm_run`.
        outer: &'static str,
        /// The member designator, such as `io` or `u.hcall`.
        path: &'static str,
    },
}

impl CType {
    /// Returns a C type name that `sizeof`, `_Alignof` and `offsetof` accept.
    pub fn type_name(&self) -> String {
        match self {
            CType::Struct(name) => format!("struct {name}"),
            CType::Union(name) => format!("union {name}"),
            CType::Member { outer, path } => format!("__typeof__((({outer} *)0)->{path})"),
        }
    }
}

/// A payload type's Rust layout together with the C type it mirrors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CLayout {
    /// The C type that the Rust type mirrors.
    pub c_type: CType,
    /// The Rust type's size, alignment and fields.
    pub layout: TypeLayout,
    /// Rust fields whose C member has another name, as `(Rust, C)` pairs. Without an
    /// entry, a trailing `_` is dropped (`type_` is C's `type`).
    pub renamed: &'static [(&'static str, &'static str)],
    /// The C flexible array member that the Rust type gives a fixed capacity, if any.
    /// Its offset is compared, and the Rust type may be larger than the C type.
    pub flexible: Option<&'static str>,
    /// The C flexible array member that follows the Rust type, for a header type that
    /// implements `FlexHeader` and leaves the member out.
    pub array: Option<FlexArray>,
}

/// The C flexible array member that follows a header type, such as `entries` after
/// `struct kvm_msrs`, with the Rust element type's layout.
///
/// The header test checks that the member starts at the end of the C struct and at the
/// Rust header's size, and that one element has the Rust element's size and alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlexArray {
    /// The member designator, such as `entries`.
    pub member: &'static str,
    /// A designator of the first element, such as `entries[0]`, or `data.vmx[0].vmcs12[0]`
    /// for the byte region of `struct kvm_nested_state`.
    pub element: &'static str,
    /// The size of the Rust element type in bytes.
    pub element_size: usize,
    /// The alignment of the Rust element type in bytes.
    pub element_align: usize,
}

impl CLayout {
    /// Describes `T` as a mirror of `struct T`.
    pub const fn of<T: StructLayout>() -> CLayout {
        CLayout {
            c_type: CType::Struct(T::NAME),
            layout: TypeLayout::of::<T>(),
            renamed: &[],
            flexible: None,
            array: None,
        }
    }

    /// Describes the header `H` as a mirror of `struct H` without its flexible array
    /// member `member`, whose first element `element` designates (`entries[0]`).
    pub const fn flex_header<H: FlexHeader + StructLayout>(member: &'static str, element: &'static str) -> CLayout {
        let array = FlexArray {
            member,
            element,
            element_size: size_of::<H::Element>(),
            element_align: align_of::<H::Element>(),
        };
        CLayout { array: Some(array), ..CLayout::of::<H>() }
    }

    /// Describes `T` as a mirror of `union T`.
    pub const fn union_of<T: StructLayout>() -> CLayout {
        CLayout { c_type: CType::Union(T::NAME), ..CLayout::of::<T>() }
    }

    /// Describes `T` as a mirror of the type of member `path` of the C type `outer`.
    pub const fn member_of<T: StructLayout>(outer: &'static str, path: &'static str) -> CLayout {
        CLayout { c_type: CType::Member { outer, path }, ..CLayout::of::<T>() }
    }

    /// Replaces the C type that the Rust type mirrors.
    pub const fn mirrors(self, c_type: CType) -> CLayout {
        CLayout { c_type, ..self }
    }

    /// Maps Rust field names to C member names.
    pub const fn renamed(self, renamed: &'static [(&'static str, &'static str)]) -> CLayout {
        CLayout { renamed, ..self }
    }

    /// Marks `member` as the C flexible array member that the Rust type gives a fixed
    /// capacity.
    pub const fn flexible(self, member: &'static str) -> CLayout {
        CLayout { flexible: Some(member), ..self }
    }

    /// Returns the C member name of the Rust field `field`.
    pub fn c_field(&self, field: &'static str) -> &'static str {
        self.renamed
            .iter()
            .find(|(rust, _)| *rust == field)
            .map(|(_, c)| *c)
            .unwrap_or_else(|| field.strip_suffix('_').unwrap_or(field))
    }
}

/// A command that travels inside another ioctl's payload, such as a firmware command of
/// `SEV_ISSUE_CMD` or a `KVM_SEV_*` command of `KVM_MEMORY_ENCRYPT_OP`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubCommand {
    /// The C name of the command id, such as `KVM_SEV_LAUNCH_START`.
    pub name: &'static str,
    /// The command id.
    pub id: u32,
    /// The name of the ioctl that carries the command.
    pub carrier: &'static str,
    /// The request number of the carrying ioctl.
    pub carrier_request: u32,
    /// The Rust name of the command's payload type, or `None` for a command without one.
    pub payload: Option<&'static str>,
}

/// A named integer constant, as `(C name, value)`. Signed values are sign-extended, as C
/// converts them to `unsigned long long`.
pub type Constant = (&'static str, u64);

/// Defines each constant and a table of `(C name, value)` pairs for the header check.
macro_rules! c_constants {
    ($(#[$table_attr:meta])* $vis:vis $table:ident: $($(#[$attr:meta])* $name:ident: $ty:ty = $value:expr;)*) => {
        $(
            $(#[$attr])*
            pub const $name: $ty = $value;
        )*

        $(#[$table_attr])*
        $vis const $table: &[$crate::tables::Constant] = &[$((stringify!($name), $name as u64)),*];
    };
}
pub(crate) use c_constants;

/// Returns the total length of `parts`.
pub(crate) const fn total_len<T>(parts: &[&[T]]) -> usize {
    let mut total = 0;
    let mut index = 0;
    while index < parts.len() {
        total += parts[index].len();
        index += 1;
    }
    total
}

/// Concatenates `parts` into one array at compile time; `N` must be their total length.
pub(crate) const fn concat<T: Copy, const N: usize>(parts: &[&[T]]) -> [T; N] {
    assert!(total_len(parts) == N && N > 0, "concat: N must be the non-zero total length of the parts");
    let mut first = 0;
    while parts[first].is_empty() {
        first += 1;
    }
    let mut joined = [parts[first][0]; N];
    let mut next = 0;
    let mut part = 0;
    while part < parts.len() {
        let mut index = 0;
        while index < parts[part].len() {
            joined[next] = parts[part][index];
            next += 1;
            index += 1;
        }
        part += 1;
    }
    joined
}

/// The UAPI headers that the verified tables are checked against.
pub const HEADERS: &[&str] = &["linux/kvm.h", "linux/psp-sev.h", "linux/sev-guest.h"];

/// Every ioctl table whose entries the installed headers define.
pub const IOCTLS: &[&[IoctlInfo]] =
    &[crate::kvm::KVM_IOCTLS, crate::sev::SEV_IOCTLS, crate::sev::SNP_GUEST_IOCTLS];

/// Every sub-command table whose entries the installed headers define.
pub const SUB_COMMANDS: &[&[SubCommand]] = &[crate::sev::SEV_COMMANDS, crate::sev::KVM_SEV_COMMANDS];

/// Every constant table whose entries the installed headers define.
pub const CONSTANTS: &[&[Constant]] = &[
    crate::kvm::KVM_CONSTANTS,
    crate::kvm::KVM_CAP_CONSTANTS,
    crate::kvm::KVM_XEN_CONSTANTS,
    crate::kvm::KVM_FLEX_CONSTANTS,
    crate::sev::SEV_STATUS_CONSTANTS,
    crate::sev::SEV_CONSTANTS,
    crate::sev::SNP_GUEST_CONSTANTS,
];

/// Every payload layout table whose types the installed headers define.
pub const LAYOUTS: &[&[CLayout]] = &[crate::kvm::PAYLOAD_LAYOUTS, crate::sev::PAYLOAD_LAYOUTS];

/// Ioctls newer than the installed headers, from the kernel documentation.
pub const UNVERIFIED_IOCTLS: &[&[IoctlInfo]] = &[crate::kvm::KVM_UNVERIFIED_IOCTLS];

/// Sub-commands newer than the installed headers, from the kernel documentation.
pub const UNVERIFIED_SUB_COMMANDS: &[&[SubCommand]] = &[crate::sev::snp::SEV_UNVERIFIED_COMMANDS];

/// Constants newer than the installed headers, from the kernel documentation.
pub const UNVERIFIED_CONSTANTS: &[&[Constant]] =
    &[crate::kvm::KVM_UNVERIFIED_CONSTANTS, crate::sev::SEV_UNVERIFIED_STATUS_CONSTANTS];

/// Payload layouts newer than the installed headers, from the kernel documentation.
pub const UNVERIFIED_LAYOUTS: &[&[CLayout]] =
    &[crate::kvm::KVM_UNVERIFIED_LAYOUTS, crate::sev::snp::SEV_UNVERIFIED_LAYOUTS];
