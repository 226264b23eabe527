//! The typed model of an `ioctl!` invocation. Every node keeps the user's tokens so that
//! validation and expansion can point errors at them.

use proc_macro2::Span;
use syn::{Attribute, Ident, Lit, LitStr, Token, Type, Visibility};

/// A whole invocation: `unsafe { statements }`.
pub struct Block {
    pub unsafe_token: Token![unsafe],
    pub statements: Vec<Statement>,
    /// Whether a `group` statement failed to parse; items then get no "needs a group"
    /// error on top of that statement's own.
    pub group_attempted: bool,
}

pub enum Statement {
    Group(GroupDecl),
    Fd(FdDecl),
    Table(TableDecl),
    Kind(KindDecl),
    /// Boxed: a declaration is several times larger than the other statements.
    Ioctl(Box<IoctlDecl>),
}

/// `pub kind KvmOrVm = Kvm | Vm;`: an fd kind that several handle types serve.
pub struct KindDecl {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub members: Vec<Type>,
}

/// `pub table KVM_IOCTLS;`
pub struct TableDecl {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub keyword: Ident,
    pub name: Ident,
}

/// `group 0xAE;`
pub struct GroupDecl {
    pub keyword: Ident,
    pub value: Literal,
}

/// `pub fd Kvm = "/dev/kvm";`
pub struct FdDecl {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub path: Option<LitStr>,
}

/// An integer literal as written, with an optional leading minus sign.
pub struct Literal {
    pub minus: Option<Token![-]>,
    pub lit: Lit,
}

impl quote::ToTokens for Literal {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        self.minus.to_tokens(tokens);
        self.lit.to_tokens(tokens);
    }
}

impl Literal {
    pub fn span(&self) -> Span {
        match &self.minus {
            Some(minus) => minus
                .span
                .join(self.lit.span())
                .unwrap_or_else(|| self.lit.span()),
            None => self.lit.span(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dir {
    None,
    Read,
    Write,
    ReadWrite,
}

impl Dir {
    pub fn keyword(self) -> &'static str {
        match self {
            Dir::None => "none",
            Dir::Read => "read",
            Dir::Write => "write",
            Dir::ReadWrite => "readwrite",
        }
    }

    pub fn c_macro(self) -> &'static str {
        match self {
            Dir::None => "_IO",
            Dir::Read => "_IOR",
            Dir::Write => "_IOW",
            Dir::ReadWrite => "_IOWR",
        }
    }
}

/// A direction keyword with its token.
pub struct DirToken {
    pub dir: Dir,
    pub ident: Ident,
}

pub enum Number {
    /// `= 0x81`: the number within the block's group.
    InGroup(Literal),
    /// `= raw 0x541B`: a complete request number.
    Raw(Literal),
}

pub enum ReturnKind {
    Count,
    Zero,
    Fd,
    /// Boxed: a type is large beside the other, empty variants.
    Handle(Box<Type>),
}

/// `pub read KVM_GET_REGS = 0x81 => KvmRegs on Vcpu -> zero;`
pub struct IoctlDecl {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub dir: DirToken,
    pub name: Ident,
    pub number: Number,
    pub payload: Option<(Token![=>], Type)>,
    /// The `[]` after the payload type of a flexible array payload.
    pub flex: Option<Span>,
    pub value: Option<(syn::token::Paren, Type)>,
    pub size: Option<(Ident, Type)>,
    pub acts_as: Option<(Token![as], DirToken)>,
    pub on: Option<(Ident, Type)>,
    pub ret: Option<(Token![->], ReturnKind)>,
    /// `retry EINTR | EAGAIN`: the keyword and the error names.
    pub retry: Option<(Ident, Vec<Ident>)>,
}
