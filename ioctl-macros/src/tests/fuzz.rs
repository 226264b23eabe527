//! Randomized checks that `ioctl!` and the derives return tokens for any input and never
//! panic.
//!
//! Each case is built from its own seed, derived from the base seed and the case's index, so
//! a failure prints its input and the variables that replay it alone. Variables:
//! `IOCTL_FUZZ_CASES` sets the number of cases per test (default `DEFAULT_CASES`),
//! `IOCTL_FUZZ_FIRST_CASE` the index of the first case (default 0) and `IOCTL_FUZZ_SEED`
//! the base seed.

use std::panic::{self, AssertUnwindSafe};
use std::str::FromStr;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// Cases per test in a plain `cargo test`. A debug build ran 280 to 630 `ioctl!` cases and
/// 1,500 to 3,200 derive cases a second on one core of a busy 2-core x86_64 VM, so the
/// default takes 30 to 70 seconds there.
/// `IOCTL_FUZZ_CASES=1000000 cargo test --release -p ioctl-macros fuzz` runs a million of
/// each.
const DEFAULT_CASES: u64 = 20_000;

/// Base seed of the cases when `IOCTL_FUZZ_SEED` is not set.
const DEFAULT_SEED: u64 = 0x10C7_1F02;

/// One case in this many also checks that the output parses as items.
const OUTPUT_CHECK_INTERVAL: u64 = 4;

/// Stack size of the thread that runs the cases: a thread of this size overflows at the same
/// nesting depth as rustc 1.95.0 expanding the macro.
const STACK_BYTES: usize = 8 << 20;

/// The maximum number of levels of nested groups, or of a repeated prefix such as `&`, in
/// one case.
const MAX_NESTING: usize = 600;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|error| panic!("{name}={text:?} is not an unsigned integer: {error}")),
        Err(_) => default,
    }
}

/// xorshift64* seeded through splitmix64: deterministic and fast, which is all the
/// mutation choices need.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(z | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Returns a number in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn range(&mut self, low: usize, high_inclusive: usize) -> usize {
        low + self.below(high_inclusive - low + 1)
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }
}

fn lex(text: &str) -> TokenStream {
    TokenStream::from_str(text).unwrap_or_else(|error| panic!("fuzz pool entry {text:?} does not lex: {error}"))
}

fn trees(text: &str) -> Vec<TokenTree> {
    lex(text).into_iter().collect()
}

// ---------------------------------------------------------------------------------------
// Pools of tokens and fragments.
// ---------------------------------------------------------------------------------------

/// Valid invocations that the mutations start from.
const IOCTL_SEEDS: &[&str] = &[
    r#"unsafe {
        group 0xAE;
        pub table KVM_IOCTLS;
        pub fd Kvm = "/dev/kvm";
        pub fd Vm;
        pub fd Vcpu;
        pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        pub read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu;
        pub write KVM_SET_REGS = 0x82 => kvm_regs on Vcpu -> zero;
        pub readwrite KVM_CREATE_DEVICE = 0xE0 => kvm_create_device on Vm;
        pub readwrite KVM_MEMORY_ENCRYPT_OP = 0xBA => kvm_sev_cmd size c_ulong on Vm;
        pub read KVM_MEMORY_ENCRYPT_REG_REGION = 0xBB => kvm_enc_region as write on Vm;
    }"#,
    r#"unsafe { pub read FIONREAD = raw 0x541B => i32; }"#,
    r#"unsafe {
        group b'S';
        #[cfg(target_os = "linux")]
        /// Issues a SEV platform command.
        pub(crate) readwrite SEV_ISSUE_CMD = 0 => sev_issue_cmd on Sev -> count;
        pub fd Sev = "/dev/sev";
        none RESET = 1 on Sev -> fd;
        write SET_BYTES = 2 => [u8; 16];
        read GET_WORDS = 3 => [[u32; 4]; 2] -> zero;
        write SET_PATH = 'p' => ::libc::c_int size u64;
        write SET_TYPED = 4 => Wrapper<u8> -> Sev;
        write SET_LEN = 5 (u32);
    }"#,
    r#"unsafe {
        group 0x12;
        table BLOCK;
        none BLKROSET = 93;
        read BLKGETSIZE64 = 114 => u64 size usize;
        write BLKDISCARD = 119 => [u64; 2] as read;
    }"#,
    r#"unsafe {
        read A = raw 0 => u8;
        write B = raw 0xFFFF_FFFF => u8 on Dev -> Dev;
        none C = raw 0x80000000u32 -> count;
        pub fd Dev = "/dev/null";
    }"#,
];

/// Valid derive inputs that the mutations start from.
const DERIVE_SEEDS: &[&str] = &[
    "#[repr(C)] pub struct kvm_regs { pub rax: u64, pub rbx: u64, flags: [u8; 8] }",
    "#[repr(C, packed)] struct Packed(u8, u32);",
    "#[repr(transparent)] struct Wrapper<T>(T) where T: Copy;",
    "#[repr(C)] union Bytes { word: u32, bytes: [u8; 4] }",
    "#[repr(C)] struct Unit;",
    "#[repr(u8)] enum Kind { A = 1, B }",
    "#[repr(C, align(8))] struct Aligned { x: u8, y: [u16; 3] }",
    "#[derive(Clone, Copy)] #[repr(C)] pub struct Generic<'a, T: Copy + 'a, const N: usize> where T: Default { data: [T; N], tail: &'a u8 }",
    "#[repr(C)] pub(crate) struct Nested { inner: Bytes, cmd: ::libc::c_ulong, ptr: u64 }",
];

/// Literals, including ones out of every integer range and every literal kind.
const LITERALS: &[&str] = &[
    "0", "1", "0xAE", "0xFF", "0x100", "255", "256", "0x541B", "0xFFFFFFFF", "0x100000000",
    "18446744073709551615", "18446744073709551616", "0x1_0000_0000_0000_0000",
    "340282366920938463463374607431768211455", "0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF",
    "0x1_0000_0000_0000_0000_0000_0000_0000_0000",
    "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "1u8", "256u8", "0xAEu8", "1i8", "0xFF_i8", "1usize", "1u128", "1_u64", "1foo", "0xAE_zz",
    "0b1111_1111", "0b1_0000_0000", "0o377", "0o400", "1.5", "1e10", "1.0f32", "2f64", "1e400",
    "'x'", "'\\0'", "'é'", "'\\u{10FFFF}'", "'\\u{80}'", "b'x'", "b'\\xff'", "b'\\0'",
    "\"s\"", "\"\"", "\"/dev/kvm\"", "\"dev/kvm\"", "\"/dev/\\0kvm\"", "\"/dev/\\u{1F600}\"",
    "\"/dev/kvm\"suffix", "r\"/dev/raw\"", "r#\"/dev/\"quoted\"\"#", "b\"bytes\"", "br\"raw\"",
    "c\"/dev/kvm\"", "cr\"raw\"", "true", "false",
];

const PUNCTUATION: &[&str] = &[
    "+", "-", "*", "/", "%", "^", "!", "&", "|", "=", "<", ">", "@", ".", ",", ";", ":", "#",
    "$", "?", "~", "=>", "->", "::", "..", "...", "..=", "==", "!=", "<=", ">=", "&&", "||",
    "<<", ">>", "+=", "-=", "<-", "'a", "'static", "_",
];

/// Rust keywords and the macro's own words, to put in odd places.
const WORDS: &[&str] = &[
    "unsafe", "fn", "struct", "impl", "as", "crate", "self", "Self", "super", "pub", "in",
    "where", "for", "loop", "let", "mut", "ref", "move", "static", "const", "type", "use",
    "mod", "enum", "union", "dyn", "async", "await", "match", "if", "else", "return",
    "extern", "trait", "true", "false", "group", "fd", "table", "none", "read", "write",
    "readwrite", "raw", "size", "on", "count", "zero", "ior", "_IOWR", "returns", "r#type",
    "r#raw", "r#read", "é", "ñandú", "данные", "名前", "_x", "__", "A_VERY_LONG_NAME_THAT_GOES_ON_AND_ON_AND_ON_AND_ON",
    "Kvm", "Vm", "Vcpu", "c_ulong", "kvm_regs", "u8", "u32", "u64", "u128",
];

/// Small groups and compound types.
const GROUPS: &[&str] = &[
    "()", "[]", "{}", "(u8)", "(c_ulong)", "(u8, u16)", "[u8; 16]", "[u8; 0]", "[u8; 0x4000]",
    "[u8; 18446744073709551616]", "[u64; 0xFFFF_FFFF_FFFF_FFFF]", "[[u8; 4096]; 4096]",
    "[u8; N]", "{ 1 + 1 }", "(= raw 0x1)", "[; ;]", "{ group 0xAE; }", "{ unsafe { } }",
    "(,)", "[u8]", "(-> zero)",
];

/// Types, valid and invalid, for the clauses of generated statements.
const TYPES: &[&str] = &[
    "u8", "u32", "u64", "u128", "c_ulong", "c_int", "kvm_regs", "Vm", "Kvm", "()", "(u8, u16)",
    "&u8", "&'static mut u8", "*mut u8", "Wrapper<u8>", "::libc::c_int", "libc::c_ulong",
    "[u8; 16]", "[u8; 0x4000]", "[u8; 0x10000]", "[u64; 99999999999999999999]",
    "[[u8; 4]; 4096]", "[u8; N]", "[u8; { 1 + 1 }]", "dyn Foo", "impl Foo", "_", "!", "fn()",
    "fn(u8) -> u8", "Vec<Vec<u8>>", "<T as Trait>::Assoc", "Option<fd>", "fd", "count", "zero",
    "m!()", "u8 + Send", "[u8]", "str", "Self", "", "1", "\"u8\"", "é", "Foo::<u8>", "(u8)",
];

const RETURNS: &[&str] = &[
    "count", "zero", "fd", "Vm", "Kvm", "u32", "c_int", "()", "Foo<u8>", "::x::Y", "fd::Kvm",
    "count::X", "zero<u8>", "", "1", "-> count", "Vm Vm", "&Vm", "[Vm; 2]",
];

const ATTRIBUTES: &[&str] = &[
    "", "", "", "#[cfg(unix)]", "#[doc = \"Docs.\"]", "/// Docs.", "#[allow(dead_code)]",
    "#![inner]", "#[cfg(any())]", "#", "#[]", "#[cfg(unix)] #[cfg(not(unix))]", "#[deprecated]",
];

const VISIBILITIES: &[&str] = &[
    "", "", "pub", "pub(crate)", "pub(super)", "pub(in crate::x)", "pub(self)", "crate", "pub pub",
];

const STATEMENT_WORDS: &[&str] = &[
    "none", "read", "write", "readwrite", "none", "read", "write", "readwrite", "ior", "_IOR",
    "get", "rw", "unsafe", "struct", "fn", "raw",
];

const NAMES: &[&str] = &["A", "B", "C", "KVM_X", "KVM_Y", "Kvm", "Vm", "é", "r#type", "_", "self", "1"];

const DIRECTIONS: &[&str] = &["none", "read", "write", "readwrite", "rw", "", "1", "read write"];

/// All the token trees that a mutation may insert.
struct Pool {
    leaves: Vec<TokenTree>,
    groups: Vec<TokenTree>,
    chains: Vec<(Vec<TokenTree>, Vec<TokenTree>)>,
    ioctl_seeds: Vec<Vec<TokenTree>>,
    derive_seeds: Vec<Vec<TokenTree>>,
}

impl Pool {
    fn new() -> Self {
        let leaves = LITERALS
            .iter()
            .chain(PUNCTUATION)
            .chain(WORDS)
            .flat_map(|text| trees(text))
            .collect();
        let groups = GROUPS.iter().flat_map(|text| trees(text)).collect();
        Pool {
            leaves,
            groups,
            chains: CHAINS.iter().map(|(prefix, suffix)| (trees(prefix), trees(suffix))).collect(),
            ioctl_seeds: IOCTL_SEEDS.iter().map(|text| trees(text)).collect(),
            derive_seeds: DERIVE_SEEDS.iter().map(|text| trees(text)).collect(),
        }
    }

    fn random_tree(&self, rng: &mut Rng) -> TokenTree {
        if rng.one_in(5) {
            rng.pick(&self.groups).clone()
        } else {
            rng.pick(&self.leaves).clone()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Mutations.
// ---------------------------------------------------------------------------------------

fn random_delimiter(rng: &mut Rng) -> Delimiter {
    *rng.pick(&[Delimiter::Parenthesis, Delimiter::Brace, Delimiter::Bracket, Delimiter::None])
}

/// Wraps `tree` in `levels` groups, all with one delimiter or each with a random one.
fn nest(rng: &mut Rng, tree: TokenTree, levels: usize) -> TokenTree {
    let uniform = rng.one_in(2).then(|| random_delimiter(rng));
    let mut tree = tree;
    for _ in 0..levels {
        let delimiter = uniform.unwrap_or_else(|| random_delimiter(rng));
        tree = TokenTree::Group(Group::new(delimiter, TokenStream::from(tree)));
    }
    tree
}

/// Prefixes and suffixes that syn parses by recursion when repeated, such as `&&&u8` or
/// `W<W<u8>>`.
const CHAINS: &[(&str, &str)] = &[
    ("&", ""),
    ("&mut ", ""),
    ("*const ", ""),
    ("-", ""),
    ("!", ""),
    ("W<", ">"),
    ("W<u8, ", ">"),
    ("<", " as A>::B"),
    ("fn() -> ", ""),
    ("dyn A<", ">"),
];

/// Surrounds `tree` with `levels` copies of one of `CHAINS`.
fn chain(rng: &mut Rng, pool: &Pool, tree: TokenTree, levels: usize) -> Vec<TokenTree> {
    let (prefix, suffix) = rng.pick(&pool.chains);
    let mut tokens = Vec::with_capacity(levels * (prefix.len() + suffix.len()) + 1);
    for _ in 0..levels {
        tokens.extend(prefix.iter().cloned());
    }
    tokens.push(tree);
    for _ in 0..levels {
        tokens.extend(suffix.iter().cloned());
    }
    tokens
}

/// Applies one mutation to `tokens`, often inside one of its groups; `depth` is the number
/// of groups already entered.
fn mutate(rng: &mut Rng, pool: &Pool, tokens: &mut Vec<TokenTree>, depth: usize) {
    let groups: Vec<usize> = (0..tokens.len())
        .filter(|&i| matches!(tokens[i], TokenTree::Group(_)))
        .collect();
    // Enter the `unsafe { ... }` body almost always, and inner groups now and then.
    let enter = if depth == 0 { !rng.one_in(8) } else { rng.one_in(3) };
    if enter && !groups.is_empty() {
        let index = *rng.pick(&groups);
        if let TokenTree::Group(group) = &tokens[index] {
            let mut inner: Vec<TokenTree> = group.stream().into_iter().collect();
            mutate(rng, pool, &mut inner, depth + 1);
            let mut rebuilt = Group::new(group.delimiter(), inner.into_iter().collect());
            rebuilt.set_span(group.span());
            tokens[index] = TokenTree::Group(rebuilt);
        }
        return;
    }

    let len = tokens.len();
    match rng.below(10) {
        // Drop a run of tokens.
        0 if len > 0 => {
            let start = rng.below(len);
            let end = (start + rng.range(1, 3)).min(len);
            tokens.drain(start..end);
        }
        // Swap two tokens.
        1 if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            tokens.swap(a, b);
        }
        // Duplicate a run of tokens in place or elsewhere.
        2 if len > 0 => {
            let start = rng.below(len);
            let end = (start + rng.range(1, 6)).min(len);
            let copy: Vec<TokenTree> = tokens[start..end].to_vec();
            let at = if rng.one_in(2) { end } else { rng.below(len + 1) };
            tokens.splice(at..at, copy);
        }
        // Replace a token.
        3 | 4 if len > 0 => {
            let at = rng.below(len);
            tokens[at] = pool.random_tree(rng);
        }
        // Wrap a run of tokens in a group.
        5 if len > 0 => {
            let start = rng.below(len);
            let end = (start + rng.range(1, 4)).min(len);
            let inner: TokenStream = tokens.drain(start..end).collect();
            tokens.insert(start, TokenTree::Group(Group::new(random_delimiter(rng), inner)));
        }
        // Replace a group by its contents.
        6 if !groups.is_empty() => {
            let index = *rng.pick(&groups);
            if let TokenTree::Group(group) = tokens.remove(index) {
                tokens.splice(index..index, group.stream());
            }
        }
        // Nest a token up to hundreds of levels deep in groups or in a chain of prefixes.
        7 if len > 0 => {
            let at = rng.below(len);
            let levels = rng.range(1, MAX_NESTING);
            let tree = tokens[at].clone();
            if rng.one_in(2) {
                tokens[at] = nest(rng, tree, levels);
            } else {
                tokens.splice(at..=at, chain(rng, pool, tree, levels));
            }
        }
        // Splice in a piece of a seed, such as a whole statement of another invocation.
        8 => {
            let seed = rng.pick(&pool.ioctl_seeds);
            let body: Vec<TokenTree> = match seed.get(1) {
                Some(TokenTree::Group(group)) if rng.one_in(2) => group.stream().into_iter().collect(),
                _ => seed.clone(),
            };
            if !body.is_empty() {
                let start = rng.below(body.len());
                let end = (start + rng.range(1, 12)).min(body.len());
                let at = rng.below(len + 1);
                tokens.splice(at..at, body[start..end].iter().cloned());
            }
        }
        // Insert a random token.
        _ => {
            let at = rng.below(len + 1);
            tokens.insert(at, pool.random_tree(rng));
        }
    }
}

fn random_soup(rng: &mut Rng, pool: &Pool) -> Vec<TokenTree> {
    let len = rng.below(24);
    (0..len)
        .map(|_| match rng.below(12) {
            0 => {
                let inner = random_soup(rng, pool);
                TokenTree::Group(Group::new(random_delimiter(rng), inner.into_iter().collect()))
            }
            _ => pool.random_tree(rng),
        })
        .collect()
}

/// Writes one statement from fragments of the grammar, valid and invalid. The validation
/// stage gets combinations from it that blind mutation rarely builds.
fn random_statement(rng: &mut Rng, out: &mut String) {
    out.push_str(rng.word(ATTRIBUTES));
    out.push(' ');
    out.push_str(rng.word(VISIBILITIES));
    out.push(' ');
    match rng.below(12) {
        0 => {
            out.push_str("group ");
            out.push_str(rng.word(LITERALS));
        }
        1 => {
            out.push_str("fd ");
            out.push_str(rng.word(NAMES));
            if rng.one_in(2) {
                out.push_str(" = ");
                out.push_str(rng.word(LITERALS));
            }
        }
        2 => {
            out.push_str("table ");
            out.push_str(rng.word(NAMES));
        }
        _ => {
            out.push_str(rng.word(STATEMENT_WORDS));
            out.push(' ');
            out.push_str(rng.word(NAMES));
            out.push_str(" = ");
            if rng.one_in(4) {
                out.push_str("raw ");
            }
            if rng.one_in(10) {
                out.push('-');
            }
            out.push_str(rng.word(LITERALS));
            for _ in 0..rng.below(5) {
                match rng.below(6) {
                    0 => {
                        out.push_str(" => ");
                        out.push_str(rng.word(TYPES));
                    }
                    1 => {
                        out.push_str(" (");
                        out.push_str(rng.word(TYPES));
                        out.push(')');
                    }
                    2 => {
                        out.push_str(" size ");
                        out.push_str(rng.word(TYPES));
                    }
                    3 => {
                        out.push_str(" as ");
                        out.push_str(rng.word(DIRECTIONS));
                    }
                    4 => {
                        out.push_str(" on ");
                        out.push_str(rng.word(TYPES));
                    }
                    _ => {
                        out.push_str(" -> ");
                        out.push_str(rng.word(RETURNS));
                    }
                }
            }
        }
    }
    if !rng.one_in(30) {
        out.push(';');
    }
    out.push('\n');
}

/// Builds the input of one `ioctl!` case.
fn ioctl_case(rng: &mut Rng, pool: &Pool) -> TokenStream {
    match rng.below(20) {
        // Random tokens, bare or inside `unsafe { ... }`.
        0 => random_soup(rng, pool).into_iter().collect(),
        1 => {
            let body: TokenStream = random_soup(rng, pool).into_iter().collect();
            let mut tokens = trees("unsafe");
            tokens.push(TokenTree::Group(Group::new(Delimiter::Brace, body)));
            tokens.into_iter().collect()
        }
        // An invocation written from grammar fragments, then maybe mutated.
        2..=6 => {
            let mut text = String::from("unsafe {\n");
            for _ in 0..rng.range(1, 8) {
                random_statement(rng, &mut text);
            }
            text.push('}');
            // Fragments may join into text that does not lex, such as `'x'x`.
            let Ok(stream) = TokenStream::from_str(&text) else {
                return trees("unsafe { group 0xAE; }").into_iter().collect();
            };
            let mut tokens: Vec<TokenTree> = stream.into_iter().collect();
            if rng.one_in(3) {
                mutate(rng, pool, &mut tokens, 0);
            }
            tokens.into_iter().collect()
        }
        // A valid invocation with one to four mutations.
        _ => {
            let mut tokens = rng.pick(&pool.ioctl_seeds).clone();
            for _ in 0..rng.range(1, 4) {
                mutate(rng, pool, &mut tokens, 0);
            }
            tokens.into_iter().collect()
        }
    }
}

/// Builds the input of one derive case.
fn derive_case(rng: &mut Rng, pool: &Pool) -> TokenStream {
    let mut tokens = rng.pick(&pool.derive_seeds).clone();
    for _ in 0..rng.range(1, 4) {
        // Skip entering groups at the top, where the body is one of several groups.
        mutate(rng, pool, &mut tokens, 1);
    }
    tokens.into_iter().collect()
}

// ---------------------------------------------------------------------------------------
// Running the cases.
// ---------------------------------------------------------------------------------------

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// Returns an error unless `output` parses as a sequence of items, which is what a
/// proc macro in item position must return.
pub(super) fn check_items(output: &TokenStream) -> Result<(), String> {
    syn::parse2::<syn::File>(output.clone())
        .map(|_| ())
        .map_err(|error| format!("the output is not a sequence of items: {error}\noutput: {output}"))
}

/// Runs `ioctl_tokens` on `input` and returns its output, or the panic as text.
pub(super) fn run_ioctl(input: &TokenStream) -> Result<TokenStream, String> {
    let input = input.clone();
    panic::catch_unwind(AssertUnwindSafe(|| crate::pipeline::ioctl_tokens(input)))
        .map_err(|payload| format!("ioctl_tokens panicked: {}", panic_message(&*payload)))
}

/// Runs `ioctl_tokens` on `input`, and checks that the output is items when
/// `check_output` is set; returns the failure as text.
fn check_ioctl(input: &TokenStream, check_output: bool) -> Result<(), String> {
    let output = run_ioctl(input)?;
    if check_output {
        check_items(&output)?;
    }
    Ok(())
}

/// Runs both derives on `input` through the function that the derive entry points call;
/// returns the first failure as text.
/// A derive's expansion function, as the derive entry points call it.
type DeriveFn = fn(&syn::DeriveInput) -> syn::Result<TokenStream>;

fn check_derives(input: &TokenStream, check_output: bool) -> Result<(), String> {
    let derives: [(&str, DeriveFn); 2] = [
        ("any_bit_pattern", crate::derive::any_bit_pattern),
        ("struct_layout", crate::derive::struct_layout),
    ];
    for (name, derive) in derives {
        let input = input.clone();
        let output = panic::catch_unwind(AssertUnwindSafe(|| crate::pipeline::derive_tokens(input, derive)))
            .map_err(|payload| format!("derive::{name} panicked: {}", panic_message(&*payload)))?;
        if check_output {
            check_items(&output).map_err(|error| format!("derive::{name}: {error}"))?;
        }
    }
    Ok(())
}

/// Runs the generated inputs through `check` on a thread with `STACK_BYTES` of stack,
/// panics with the first failing input, and prints the count and the time taken.
/// Only every `OUTPUT_CHECK_INTERVAL`th case checks that the output parses as items,
/// because that parse takes most of the time.
fn run_cases(
    label: &'static str,
    generate: fn(&mut Rng, &Pool) -> TokenStream,
    check: fn(&TokenStream, bool) -> Result<(), String>,
) {
    let cases = env_u64("IOCTL_FUZZ_CASES", DEFAULT_CASES);
    let first = env_u64("IOCTL_FUZZ_FIRST_CASE", 0);
    let seed = env_u64("IOCTL_FUZZ_SEED", DEFAULT_SEED);
    let worker = std::thread::Builder::new()
        .name(label.to_string())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let pool = Pool::new();
            let start = std::time::Instant::now();
            for case in first..first.saturating_add(cases) {
                let mut rng = Rng::new(seed ^ case.wrapping_mul(0xA076_1D64_78BD_642F));
                let input = generate(&mut rng, &pool);
                if let Err(failure) = check(&input, case % OUTPUT_CHECK_INTERVAL == 0) {
                    panic!(
                        "{label}: case {case} failed; IOCTL_FUZZ_SEED={seed} IOCTL_FUZZ_FIRST_CASE={case} IOCTL_FUZZ_CASES=1 replays it.\ninput: {input}\n{failure}"
                    );
                }
            }
            let seconds = start.elapsed().as_secs_f64();
            eprintln!(
                "{label}: {cases} cases in {seconds:.1} s ({:.0} cases/s)",
                cases as f64 / seconds
            );
        })
        .expect("spawning the fuzz thread failed");
    if let Err(payload) = worker.join() {
        panic::resume_unwind(payload);
    }
}

#[test]
fn ioctl_tokens_never_panics() {
    run_cases("ioctl!", ioctl_case, check_ioctl);
}

#[test]
fn derives_never_panic() {
    run_cases("derives", derive_case, check_derives);
}
