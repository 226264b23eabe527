//! Edge cases of literals, spans and nesting, each with the output it must produce.

use std::str::FromStr;

use proc_macro2::TokenStream;

use super::fuzz::{check_items, run_ioctl};

/// Stack of the threads that run deep inputs. A thread of this size overflows at the same
/// nesting depth as rustc 1.95.0 expanding the macro, while test threads get 2 MiB.
const COMPILER_STACK_BYTES: usize = 8 << 20;

/// Runs `test` on a thread with `COMPILER_STACK_BYTES` of stack.
fn on_compiler_stack(test: impl FnOnce() + Send + 'static) {
    let worker = std::thread::Builder::new()
        .stack_size(COMPILER_STACK_BYTES)
        .spawn(test)
        .expect("spawning the test thread failed");
    if let Err(payload) = worker.join() {
        std::panic::resume_unwind(payload);
    }
}

/// Expands `text` and returns the messages of its `compile_error!`s, after checking that
/// the expansion did not panic and is a sequence of items.
fn errors_of(text: &str) -> Vec<String> {
    let input = TokenStream::from_str(text).unwrap_or_else(|error| panic!("{text:?} does not lex: {error}"));
    errors_of_tokens(input)
}

fn errors_of_tokens(input: TokenStream) -> Vec<String> {
    let output = run_ioctl(&input).unwrap_or_else(|failure| panic!("input: {input}\n{failure}"));
    check_items(&output).unwrap_or_else(|failure| panic!("input: {input}\n{failure}"));
    let file: syn::File = syn::parse2(output).expect("checked above");
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(item) if item.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error") => {
                let message: syn::LitStr = item.mac.parse_body().expect("compile_error! takes a string");
                Some(message.value())
            }
            _ => None,
        })
        .collect()
}

/// Asserts that `text` expands to exactly one error, containing `expected`.
fn assert_one_error(text: &str, expected: &str) {
    let errors = errors_of(text);
    assert_eq!(errors.len(), 1, "input: {text}\nerrors: {errors:#?}");
    assert!(errors[0].contains(expected), "input: {text}\nexpected an error containing {expected:?}, got {:?}", errors[0]);
}

fn assert_no_error(text: &str) {
    let errors = errors_of(text);
    assert!(errors.is_empty(), "input: {text}\nerrors: {errors:#?}");
}

#[test]
fn empty_input_is_an_error() {
    assert_one_error("", "empty `ioctl!` invocation");
    assert_one_error("unsafe", "expected `{ ... }` after `unsafe`");
    assert_no_error("unsafe {}");
    assert_no_error("unsafe { ;; }");
}

#[test]
fn group_over_u64_is_rejected() {
    // Unsuffixed literals over u64 and over u128 reach `base10_parse::<u64>` as errors.
    for literal in [
        "0x1_0000_0000_0000_0000",
        "340282366920938463463374607431768211455",
        "0x1_0000_0000_0000_0000_0000_0000_0000_0000",
        "99999999999999999999999999999999999999999999999999999999999999",
    ] {
        assert_one_error(&format!("unsafe {{ group {literal}; }}"), "the group does not fit in 8 bits");
        assert_one_error(
            &format!("unsafe {{ group 1; read A = {literal} => u8; }}"),
            "the ioctl number does not fit in 8 bits",
        );
        assert_one_error(
            &format!("unsafe {{ read A = raw {literal} => u8; }}"),
            "a raw request number must fit in 32 bits",
        );
    }
}

#[test]
fn group_over_u8_names_the_value() {
    assert_one_error("unsafe { group 0x100; }", "the group 256 (0x100) does not fit in 8 bits");
    assert_one_error("unsafe { group 256u8; }", "does not fit in 8 bits");
    assert_one_error("unsafe { read A = raw 0x1_0000_0000 => u8; }", "must fit in 32 bits");
}

#[test]
fn suffixed_integers_are_accepted() {
    assert_no_error("unsafe { group 0xAEu8; read A = 1u8 => u8; none B = 2usize; read C = raw 0x541Bu32 => i32; }");
}

#[test]
fn negative_numbers_are_rejected() {
    assert_one_error("unsafe { group -1; }", "the group cannot be negative");
    assert_one_error("unsafe { group 1; none A = -0; }", "the ioctl number cannot be negative");
    assert_one_error("unsafe { none A = raw -1; }", "a raw request number cannot be negative");
}

#[test]
fn literal_kinds_other_than_integers() {
    assert_no_error("unsafe { group 'v'; none A = b'x'; }");
    assert_one_error("unsafe { group 'é'; }", "must be an ASCII character");
    assert_one_error("unsafe { group 1.5; }", "found a float");
    assert_one_error("unsafe { group 1e10; }", "found a float");
    assert_one_error("unsafe { group \"s\"; }", "found a string");
    assert_one_error("unsafe { group b\"s\"; }", "found a byte string");
    assert_one_error("unsafe { group c\"s\"; }", "found a C string");
    assert_one_error("unsafe { group true; }", "found a bool");
    assert_one_error("unsafe { read A = raw 'x' => u8; }", "a raw request number must be an integer");
    assert_one_error("unsafe { group 1; none A = x; }", "expected an integer literal for the ioctl number");
}

#[test]
fn device_path_must_be_absolute() {
    assert_one_error("unsafe { fd Kvm = \"dev/kvm\"; }", "must be absolute");
    assert_one_error("unsafe { fd Kvm = \"/dev/\\0kvm\"; }", "contain no NUL byte");
    assert_one_error("unsafe { fd Kvm = 1; }", "expected the device path as a string");
    assert_no_error("unsafe { fd Kvm = r\"/dev/kvm\"; }");
}

#[test]
fn keywords_and_unicode_as_names() {
    assert_no_error("unsafe { group 1; read 名前 = 1 => u8; fd Données; read r#type = 2 => u8; }");
    assert_one_error("unsafe { group 1; read fn = 1 => u8; }", "expected the ioctl's name after `read`");
    assert_one_error("unsafe { group 1; read A = 1 => u8 on; }", "expected a type after `on`");
    assert_one_error("unsafe { group 1; unsafe A = 1; }", "expected a declaration; start it with `group`");
    assert_one_error("unsafe { group 1; ior A = 1; }", "did you mean `read`?");
}

/// With proc-macro2's `span-locations` feature, as in these tests, `Span::join` returns
/// `None` for spans of two separately lexed strings, as it does for every join inside a
/// stable compiler. The error then points at the first token alone.
#[test]
fn span_join_failure_falls_back() {
    let arrow = TokenStream::from_str("=>").expect("lexes");
    let payload = TokenStream::from_str("u8").expect("lexes");
    let arrow_span = arrow.clone().into_iter().next().expect("one token").span();
    let payload_span = payload.clone().into_iter().next().expect("one token").span();
    assert!(arrow_span.join(payload_span).is_none(), "Span::join succeeded; the test no longer covers its failure");

    // A `none` ioctl with a payload joins the spans of `=>` and the type.
    let mut input = TokenStream::from_str("group 1; none A = 1").expect("lexes");
    input.extend(arrow);
    input.extend(payload);
    input.extend(TokenStream::from_str("; write B = 2 as").expect("lexes"));
    // `as read` joins the spans of `as` and `read`.
    input.extend(TokenStream::from_str("read;").expect("lexes"));
    let block = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, input);
    let mut invocation = TokenStream::from_str("unsafe").expect("lexes");
    invocation.extend([proc_macro2::TokenTree::Group(block)]);

    let errors = errors_of_tokens(invocation);
    assert!(errors.iter().any(|error| error.contains("a `none` ioctl has no payload")), "{errors:#?}");
    assert!(errors.iter().any(|error| error.contains("needs a payload type")), "{errors:#?}");
}

/// `Literal::span` joins the spans of `-` and the literal; the join fails for tokens of
/// two strings, and for every join inside a stable compiler.
#[test]
fn negative_literal_span_join_failure() {
    let mut input = TokenStream::from_str("group -").expect("lexes");
    input.extend(TokenStream::from_str("1;").expect("lexes"));
    let block = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, input);
    let mut invocation = TokenStream::from_str("unsafe").expect("lexes");
    invocation.extend([proc_macro2::TokenTree::Group(block)]);
    let errors = errors_of_tokens(invocation);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("cannot be negative"), "{errors:#?}");
}

/// Repeats `prefix` and `suffix` `levels` times around `core`.
fn deep(prefix: &str, core: &str, suffix: &str, levels: usize) -> String {
    format!("{}{core}{}", prefix.repeat(levels), suffix.repeat(levels))
}

/// Types nested hundreds of levels deep overflowed the stack in syn's recursive type
/// parser and crashed rustc. They must be an error on the declaration.
#[test]
fn deep_payload_types_are_an_error() {
    on_compiler_stack(|| {
        let deep_types = [
            deep("&", "u8", "", 400),
            deep("*const ", "u8", "", 400),
            deep("W<", "u8", ">", 300),
            deep("(", "u8", ")", 400),
            deep("[", "u8", "; 1]", 400),
            deep("<", "T", " as A>::B", 300),
            deep("fn() -> ", "u8", "", 300),
            format!("[u8; {}]", deep("(", "1", ")", 800)),
            format!("[u8; {}1]", "-".repeat(3000)),
            deep("W<u8, ", "u8", ">", 300),
        ];
        for ty in &deep_types {
            assert_one_error(&format!("unsafe {{ group 1; write A = 1 => {ty}; }}"), "nests too deeply");
            assert_one_error(&format!("unsafe {{ group 1; write A = 1 ({ty}); }}"), "nests too deeply");
            assert_one_error(&format!("unsafe {{ group 1; none A = 1 on {ty}; }}"), "nests too deeply");
            assert_one_error(&format!("unsafe {{ group 1; none A = 1 -> {ty}; }}"), "nests too deeply");
        }
        let deep_value = deep("(", "1", ")", 800);
        assert_one_error(&format!("unsafe {{ group 1; #[doc = {deep_value}] none A = 1; }}"), "nests too deeply");
        let deep_cfg = deep("any(", "unix", ")", 2000);
        assert_one_error(&format!("unsafe {{ group 1; #[cfg({deep_cfg})] none A = 1; }}"), "nests too deeply");
    });
}

/// The error is on the declaration alone: the others still expand.
#[test]
fn deep_declaration_leaves_others() {
    on_compiler_stack(|| {
        let text = format!("unsafe {{ group 1; write A = 1 => {}; read B = 2 => u8; }}", deep("&", "u8", "", 1000));
        let input = TokenStream::from_str(&text).expect("lexes");
        let output = run_ioctl(&input).expect("no panic").to_string();
        assert!(output.contains("nests too deeply"), "{output}");
        assert!(output.contains("const B"), "{output}");
        assert!(!output.contains("const A"), "{output}");
    });
}

/// The limit leaves room for long realistic declarations.
#[test]
fn long_declarations_are_accepted() {
    on_compiler_stack(|| {
        let doc = "/// A line of documentation.\n".repeat(200);
        assert_no_error(&format!(
            "unsafe {{ group 0xAE; {doc} #[cfg(all(target_os = \"linux\", any(target_arch = \"x86_64\", target_arch = \"aarch64\")))] \
             pub(crate) readwrite KVM_MEMORY_ENCRYPT_OP = 0xBA => ::ioctl_core::sys::kvm_sev_cmd<[u8; 16], ::core::ffi::c_ulong> \
             size ::core::ffi::c_ulong on crate::kvm::Vm -> crate::kvm::Vcpu; }}"
        ));
    });
}

/// Stack that the deepest accepted declarations must fit in, half of `COMPILER_STACK_BYTES`.
const LIMIT_STACK_BYTES: usize = 4 << 20;

/// Expands the deepest accepted declaration of each kind on a 4 MiB stack. An overflow
/// aborts the test binary, which fails the run.
#[test]
fn deepest_accepted_fits_in_4_mib() {
    // (nesting token, innermost type, closing token, declaration around the type)
    type Kind = (&'static str, &'static str, &'static str, fn(String) -> String);
    let kinds: [Kind; 8] = [
        ("&", "u8", "", |ty| format!("write A = 1 => {ty}")),
        ("*const ", "u8", "", |ty| format!("write A = 1 => {ty}")),
        ("(", "u8", ")", |ty| format!("write A = 1 => {ty}")),
        ("[", "u8", "; 1]", |ty| format!("write A = 1 => {ty}")),
        ("W<", "u8", ">", |ty| format!("write A = 1 => {ty} -> {ty}")),
        ("<", "T", " as A>::B", |ty| format!("write A = 1 => {ty}")),
        ("(", "1", ")", |expr| format!("write A = 1 => [u8; {expr}]")),
        ("-", "1", "", |expr| format!("#[doc = {expr}] none A = 1")),
    ];
    for (prefix, core, suffix, declaration) in kinds {
        let text = move |levels| format!("unsafe {{ group 1; {}; }}", declaration(deep(prefix, core, suffix, levels)));
        let worker = std::thread::Builder::new()
            .stack_size(LIMIT_STACK_BYTES)
            .spawn(move || {
                let mut levels = 1;
                while errors_of(&text(levels + 1)).is_empty() {
                    levels += 1;
                }
                assert!(levels > 1, "{} is rejected", text(1));
                assert!(errors_of(&text(levels + 1))[0].contains("nests too deeply"), "{}", text(levels + 1));
            })
            .expect("spawning the test thread failed");
        if let Err(payload) = worker.join() {
            std::panic::resume_unwind(payload);
        }
    }
}

/// Groups nested thousands of levels deep where the macro does not parse them.
#[test]
fn deep_groups_outside_declarations() {
    on_compiler_stack(|| {
        assert_one_error(&deep("(", "", ")", 5000), "inside `unsafe { ... }`");
        assert_one_error(&format!("unsafe {}", deep("{", "", "}", 5000)), "expected `;`");
        assert_one_error(&format!("unsafe {{ {}; }}", deep("{", "", "}", 5000)), "nests too deeply");
        assert_one_error(&format!("unsafe {{ }} {}", deep("[", "", "]", 5000)), "unexpected tokens after the `unsafe` block");
    });
}

fn derive_output(text: &str) -> String {
    let input = TokenStream::from_str(text).unwrap_or_else(|error| panic!("{text:?} does not lex: {error}"));
    let mut outputs = String::new();
    for derive in [crate::derive::any_bit_pattern, crate::derive::struct_layout] {
        let output = crate::pipeline::derive_tokens(input.clone(), derive);
        check_items(&output).unwrap_or_else(|failure| panic!("input: {text}\n{failure}"));
        outputs += &output.to_string();
    }
    outputs
}

#[test]
fn deep_field_types_are_an_error_in_derives() {
    on_compiler_stack(|| {
        for ty in [deep("&", "u8", "", 400), deep("W<", "u8", ">", 300), deep("(", "u8", ")", 400)] {
            let output = derive_output(&format!("#[repr(C)] struct S {{ a: u8, b: {ty} }}"));
            assert_eq!(output.matches("nests too deeply").count(), 2, "{output}");
        }
        let output = derive_output(&format!("#[repr(u8)] enum E {{ A = {}1 }}", "-".repeat(3000)));
        assert_eq!(output.matches("nests too deeply").count(), 2, "{output}");
    });
}

/// Fields are parsed one after the other, so many fields do not add up.
#[test]
fn many_fields_are_accepted_in_derives() {
    on_compiler_stack(|| {
        let fields: String = (0..500).map(|i| format!("/// Field {i}.\npub field_{i}: [u64; 4],\n")).collect();
        let output = derive_output(&format!("#[repr(C)] pub struct Big {{ {fields} }}"));
        assert!(!output.contains("compile_error"), "{output}");
    });
}
