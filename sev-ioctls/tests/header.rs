//! Compares every declaration of the crate with what gcc computes from the kernel's UAPI
//! headers in `/usr/include/linux`.
//!
//! The C program is generated from the crate's own tables (`sev_ioctls::tables`): each
//! request number by its C macro name, each constant and sub-command id by its C name,
//! and each payload's size, alignment and field offsets and sizes. Nothing here restates
//! a value by hand.

#![cfg(target_arch = "x86_64")]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use ioctl_core::StructLayout;
use sev_ioctls::tables::{self, CLayout, CType, FlexArray};

/// How the Rust value must relate to the C value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    Equal,
    /// The Rust value may exceed the C value: the size of a type that gives a C flexible
    /// array member a fixed capacity.
    AtLeast,
}

/// One value to compare: a key naming the item, the C expression that computes it, and
/// the value that the crate declares.
struct Check {
    key: String,
    c_expression: String,
    /// A macro that must be defined before the expression is evaluated, for ioctls.
    guard: Option<String>,
    rust: u64,
    relation: Relation,
    /// Whether a missing guard macro is a mismatch (declarations of the installed
    /// headers) or only reported (newer declarations).
    required: bool,
}

impl Check {
    fn equal(key: String, c_expression: String, rust: u64) -> Check {
        Check { key, c_expression, guard: None, rust, relation: Relation::Equal, required: true }
    }
}

fn ioctl_checks(tables: &[&[ioctl_core::IoctlInfo]], required: bool, checks: &mut Vec<Check>) {
    for table in tables {
        for info in *table {
            checks.push(Check {
                key: format!("ioctl {}", info.name),
                c_expression: info.name.to_string(),
                guard: Some(info.name.to_string()),
                rust: u64::from(info.request),
                relation: Relation::Equal,
                required,
            });
        }
    }
}

fn constant_checks(checks: &mut Vec<Check>) {
    for table in tables::CONSTANTS {
        for (name, value) in *table {
            checks.push(Check::equal(format!("constant {name}"), name.to_string(), *value));
        }
    }
    for table in tables::SUB_COMMANDS {
        for command in *table {
            checks.push(Check::equal(
                format!("sub-command {}", command.name),
                command.name.to_string(),
                u64::from(command.id),
            ));
        }
    }
}

fn layout_checks(layout: &CLayout, checks: &mut Vec<Check>) {
    let rust_name = layout.layout.name;
    let c_type = layout.c_type.type_name();
    let size_relation = if layout.flexible.is_some() { Relation::AtLeast } else { Relation::Equal };
    checks.push(Check {
        key: format!("size of {rust_name} ({c_type})"),
        c_expression: format!("sizeof({c_type})"),
        guard: None,
        rust: layout.layout.size as u64,
        relation: size_relation,
        required: true,
    });
    checks.push(Check::equal(
        format!("alignment of {rust_name} ({c_type})"),
        format!("_Alignof({c_type})"),
        layout.layout.align as u64,
    ));
    for field in layout.layout.fields {
        let c_field = layout.c_field(field.name);
        checks.push(Check::equal(
            format!("offset of {rust_name}.{} ({c_type}.{c_field})", field.name),
            format!("offsetof({c_type}, {c_field})"),
            field.offset as u64,
        ));
        if layout.flexible == Some(c_field) {
            continue;
        }
        checks.push(Check::equal(
            format!("size of {rust_name}.{} ({c_type}.{c_field})", field.name),
            format!("sizeof((({c_type} *)0)->{c_field})"),
            field.size as u64,
        ));
    }
    if let Some(array) = layout.array {
        flex_array_checks(layout, &array, checks);
    }
}

/// Checks a header type against its C struct's flexible array member: the member starts
/// where the C struct ends and where the Rust header ends, and one element has the Rust
/// element type's size and alignment.
fn flex_array_checks(layout: &CLayout, array: &FlexArray, checks: &mut Vec<Check>) {
    let rust_name = layout.layout.name;
    let c_type = layout.c_type.type_name();
    let member = array.member;
    let element = array.element;
    checks.push(Check::equal(
        format!("offsetof({c_type}, {member}) == sizeof({c_type}) for header {rust_name}"),
        format!("offsetof({c_type}, {member}) == sizeof({c_type})"),
        1,
    ));
    checks.push(Check::equal(
        format!("offset of {rust_name}'s flexible member ({c_type}.{member})"),
        format!("offsetof({c_type}, {member})"),
        layout.layout.size as u64,
    ));
    checks.push(Check::equal(
        format!("size of {rust_name}'s element ({c_type}.{element})"),
        format!("sizeof((({c_type} *)0)->{element})"),
        array.element_size as u64,
    ));
    checks.push(Check::equal(
        format!("alignment of {rust_name}'s element ({c_type}.{element})"),
        format!("_Alignof(__typeof__((({c_type} *)0)->{element}))"),
        array.element_align as u64,
    ));
}

fn all_checks() -> Vec<Check> {
    let mut checks = Vec::new();
    ioctl_checks(tables::IOCTLS, true, &mut checks);
    constant_checks(&mut checks);
    for table in tables::LAYOUTS {
        for layout in *table {
            layout_checks(layout, &mut checks);
        }
    }
    checks
}

/// Writes a C program that prints `INDEX VALUE` for each check, or `INDEX missing` when a
/// guard macro is not defined.
fn c_program(checks: &[Check]) -> String {
    let mut program = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include <linux/ioctl.h>\n#include <linux/types.h>\n",
    );
    for header in tables::HEADERS {
        writeln!(program, "#include <{header}>").unwrap();
    }
    program.push_str("\nint main(void)\n{\n");
    for (index, check) in checks.iter().enumerate() {
        writeln!(program, "\t/* {} */", check.key.replace("*/", "* /")).unwrap();
        if let Some(guard) = &check.guard {
            writeln!(program, "#ifdef {guard}").unwrap();
        }
        writeln!(
            program,
            "\tprintf(\"{index} %llu\\n\", (unsigned long long)({}));",
            check.c_expression
        )
        .unwrap();
        if check.guard.is_some() {
            writeln!(program, "#else\n\tprintf(\"{index} missing\\n\");\n#endif").unwrap();
        }
    }
    program.push_str("\treturn 0;\n}\n");
    program
}

fn work_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("header-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
    dir
}

/// Compiles and runs the probe for `checks`; returns one line per mismatch.
fn mismatches(name: &str, checks: &[Check]) -> Vec<String> {
    probe(name, checks).0
}

/// Compiles and runs the probe for `checks`; returns one line per mismatch and the keys
/// of the checks whose optional guard macro the headers do not define.
fn probe(name: &str, checks: &[Check]) -> (Vec<String>, Vec<String>) {
    let dir = work_dir(name);
    let source = dir.join("probe.c");
    let binary = dir.join("probe");
    std::fs::write(&source, c_program(checks)).unwrap();

    let output = match Command::new("gcc")
        .args(["-std=gnu11", "-Wall", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "gcc is not installed, and the header check needs it to compile a probe against /usr/include/linux; install gcc (Debian: `apt-get install gcc`) and rerun"
        ),
        Err(error) => panic!("cannot run gcc: {error}"),
    };
    if !output.status.success() {
        panic!(
            "gcc could not compile the probe {}; a declared name or field is missing from the headers:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let output = Command::new(&binary)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", binary.display()));
    assert!(output.status.success(), "the probe {} failed: {:?}", binary.display(), output.status);
    let stdout = String::from_utf8(output.stdout).expect("the probe prints ASCII");

    let mut values = BTreeMap::new();
    for line in stdout.lines() {
        let (index, value) = line.split_once(' ').unwrap_or_else(|| panic!("malformed probe line {line:?}"));
        let index: usize = index.parse().unwrap_or_else(|_| panic!("malformed probe line {line:?}"));
        values.insert(index, value.to_string());
    }

    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        let Some(text) = values.get(&index) else {
            found.push(format!("{}: the probe printed no value", check.key));
            continue;
        };
        if text == "missing" {
            if check.required {
                found.push(format!("{}: not defined by the headers (the crate declares {:#x})", check.key, check.rust));
            } else {
                skipped.push(check.key.clone());
            }
            continue;
        }
        let c_value: u64 = text.parse().unwrap_or_else(|_| panic!("malformed probe value {text:?}"));
        let matches = match check.relation {
            Relation::Equal => check.rust == c_value,
            Relation::AtLeast => check.rust >= c_value,
        };
        if !matches {
            let relation = match check.relation {
                Relation::Equal => "",
                Relation::AtLeast => "at least ",
            };
            found.push(format!(
                "{}: the crate declares {:#x} ({}), gcc computes {relation}{c_value:#x} ({c_value})",
                check.key, check.rust, check.rust
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    (found, skipped)
}

#[test]
fn declarations_match_headers() {
    let checks = all_checks();
    assert!(checks.len() > 100, "only {} checks were generated; are the tables empty?", checks.len());
    let found = mismatches("all", &checks);
    assert!(
        found.is_empty(),
        "{} of {} values differ from /usr/include/linux:\n{}",
        found.len(),
        checks.len(),
        found.join("\n")
    );
    println!("{} values match /usr/include/linux", checks.len());
}

/// Checks the declarations newer than the installed headers wherever the headers define
/// their macros, and lists the rest as unverified.
#[test]
fn newer_declarations_match_where_defined() {
    let mut checks = Vec::new();
    ioctl_checks(tables::UNVERIFIED_IOCTLS, false, &mut checks);
    for table in tables::UNVERIFIED_CONSTANTS {
        for (name, value) in *table {
            checks.push(Check {
                key: format!("constant {name}"),
                c_expression: name.to_string(),
                guard: Some(name.to_string()),
                rust: *value,
                relation: Relation::Equal,
                required: false,
            });
        }
    }
    let (found, skipped) = probe("newer", &checks);
    assert!(found.is_empty(), "newer declarations differ from /usr/include/linux:\n{}", found.join("\n"));

    let mut unverified: Vec<String> = skipped;
    for table in tables::UNVERIFIED_SUB_COMMANDS {
        unverified.extend(table.iter().map(|command| format!("sub-command {}", command.name)));
    }
    for table in tables::UNVERIFIED_LAYOUTS {
        unverified.extend(table.iter().map(|layout| format!("layout of {}", layout.layout.name)));
    }
    println!(
        "{} newer values match; not in the installed headers, so unverified: {}",
        checks.len() - unverified.iter().filter(|key| key.starts_with("ioctl ") || key.starts_with("constant ")).count(),
        unverified.join(", ")
    );
}

/// Names of primitive types, which have no C layout to compare.
const PRIMITIVES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "c_int", "c_uint",
    "c_long", "c_ulong", "c_short", "c_ushort", "c_char", "c_uchar",
];

fn last_segment(type_text: &str) -> &str {
    type_text.rsplit("::").next().unwrap_or(type_text)
}

#[test]
fn every_payload_type_has_layout() {
    let layouts: Vec<&str> = tables::LAYOUTS
        .iter()
        .chain(tables::UNVERIFIED_LAYOUTS)
        .flat_map(|table| table.iter())
        .map(|layout| layout.layout.name)
        .collect();
    let mut missing = Vec::new();
    for table in tables::IOCTLS.iter().chain(tables::UNVERIFIED_IOCTLS) {
        for info in *table {
            let Some(type_text) = info.argument_type else { continue };
            let name = last_segment(type_text);
            if !PRIMITIVES.contains(&name) && !layouts.contains(&name) {
                missing.push(format!("{} takes {type_text}", info.name));
            }
        }
    }
    for table in tables::SUB_COMMANDS.iter().chain(tables::UNVERIFIED_SUB_COMMANDS) {
        for command in *table {
            let Some(name) = command.payload else { continue };
            if !layouts.contains(&last_segment(name)) {
                missing.push(format!("{} takes {name}", command.name));
            }
        }
    }
    assert!(missing.is_empty(), "payload types without an entry in a layout table:\n{}", missing.join("\n"));
}

/// Every ioctl declared with `=> Header[]` must have a layout entry that names the C
/// flexible array member after `Header`, so that the probe checks where it starts.
#[test]
fn every_flexible_payload_names_its_array() {
    let layouts: Vec<&CLayout> = tables::LAYOUTS.iter().flat_map(|table| table.iter()).collect();
    let mut flexible = 0;
    let mut missing = Vec::new();
    for table in tables::IOCTLS.iter().chain(tables::UNVERIFIED_IOCTLS) {
        for info in table.iter().filter(|info| info.flexible) {
            flexible += 1;
            let header = last_segment(info.argument_type.expect("a flexible payload has a header type"));
            let named = layouts.iter().any(|layout| layout.layout.name == header && layout.array.is_some());
            if !named {
                missing.push(format!("{} takes {header}[]", info.name));
            }
        }
    }
    assert!(flexible >= 16, "only {flexible} flexible array ioctls are declared");
    assert!(
        missing.is_empty(),
        "flexible array headers without `CLayout::flex_header` in a layout table:\n{}",
        missing.join("\n")
    );
}

#[test]
fn sub_commands_name_their_carrier() {
    let ioctls: Vec<&ioctl_core::IoctlInfo> = tables::IOCTLS.iter().flat_map(|table| table.iter()).collect();
    for table in tables::SUB_COMMANDS.iter().chain(tables::UNVERIFIED_SUB_COMMANDS) {
        for command in *table {
            let carrier = ioctls
                .iter()
                .find(|info| info.name == command.carrier)
                .unwrap_or_else(|| panic!("{} names the carrier {}, which no table declares", command.name, command.carrier));
            assert_eq!(
                carrier.request, command.carrier_request,
                "{}: the carrier's request number differs from the table's",
                command.name
            );
        }
    }
}

/// Two ioctls with one request number would be indistinguishable to the kernel and to
/// tracers. Each `ioctl!` invocation checks its own declarations; this checks across all.
/// The same number on different devices is no clash: SEV_ISSUE_CMD and SNP_GET_REPORT
/// are both 'S' 0, on /dev/sev and /dev/sev-guest.
#[test]
fn request_numbers_are_distinct() {
    let all: Vec<&'static [ioctl_core::IoctlInfo]> = tables::IOCTLS.iter().chain(tables::UNVERIFIED_IOCTLS).copied().collect();
    let clashes: Vec<String> = ioctl_core::info::request_clashes(&all)
        .into_iter()
        .map(|(first, second)| format!("{} and {} are both {:#010x}", first.name, second.name, first.request))
        .collect();
    assert!(clashes.is_empty(), "request numbers shared on one fd kind: {clashes:#?}");
}

#[test]
fn sub_command_ids_are_distinct() {
    let mut seen: BTreeMap<(&str, u32), &str> = BTreeMap::new();
    for table in tables::SUB_COMMANDS.iter().chain(tables::UNVERIFIED_SUB_COMMANDS) {
        for command in *table {
            if let Some(first) = seen.insert((command.carrier, command.id), command.name) {
                panic!("{} and {first} have the same id {} in {}", command.name, command.id, command.carrier);
            }
        }
    }
}

/// A wrong mirror of `struct kvm_create_device`, whose `fd` field is one byte wide.
#[repr(C)]
#[derive(StructLayout)]
#[allow(non_camel_case_types, dead_code)]
struct kvm_create_device {
    type_: u32,
    fd: u8,
    flags: u32,
}

#[test]
fn wrong_field_width_fails() {
    let layout = CLayout::of::<kvm_create_device>();
    assert_eq!(layout.c_type, CType::Struct("kvm_create_device"));
    let mut checks = Vec::new();
    layout_checks(&layout, &mut checks);
    let found = mismatches("wrong-width", &checks);
    assert_eq!(found.len(), 1, "expected one mismatch: {found:?}");
    assert!(
        found[0].starts_with("size of kvm_create_device.fd "),
        "the one-byte `fd` field was not reported: {found:?}"
    );
}

/// Mirrors of C structs with a field of the wrong width, to show that the check catches
/// them.
mod wrong {
    #![allow(non_camel_case_types, dead_code)]

    use ioctl_core::StructLayout;

    /// `struct sev_user_data_status` with `flags` declared as one byte instead of four,
    /// which would lose the SEV-ES bit (0x100).
    #[repr(C, packed)]
    #[derive(StructLayout)]
    pub struct sev_user_data_status {
        pub api_major: u8,
        pub api_minor: u8,
        pub state: u8,
        pub flags: u8,
        pub build: u8,
        pub guest_count: u32,
    }
}

#[test]
fn packed_status_flags_width_checked() {
    let mut checks = Vec::new();
    layout_checks(&CLayout::of::<wrong::sev_user_data_status>(), &mut checks);
    let found = mismatches("packed-flags", &checks);
    let reported = |prefix: &str| found.iter().any(|line| line.starts_with(prefix));
    assert!(reported("size of sev_user_data_status (struct sev_user_data_status)"), "size not reported: {found:?}");
    assert!(reported("size of sev_user_data_status.flags "), "flags width not reported: {found:?}");
    assert!(reported("offset of sev_user_data_status.build "), "build offset not reported: {found:?}");
    assert!(reported("offset of sev_user_data_status.guest_count "), "guest_count offset not reported: {found:?}");

    let mut checks = Vec::new();
    layout_checks(&CLayout::of::<sev_ioctls::sev::sev_user_data_status>(), &mut checks);
    assert_eq!(mismatches("packed-status", &checks), Vec::<String>::new());
}

/// A header mirror of `struct kvm_msrs` that leaves out the padding after `nmsrs`: the
/// kernel would read the first entry 4 bytes early.
mod short_header {
    #![allow(non_camel_case_types, dead_code)]

    use std::num::TryFromIntError;

    use ioctl_core::{AnyBitPattern, FlexHeader, StructLayout};

    #[repr(C)]
    #[derive(Clone, Copy, AnyBitPattern, StructLayout)]
    pub struct kvm_msrs {
        pub nmsrs: u32,
    }

    // SAFETY: never passed to the kernel; the test only compares its layout with the
    // header, which must fail.
    unsafe impl FlexHeader for kvm_msrs {
        type Element = sev_ioctls::kvm::kvm_msr_entry;

        fn len(&self) -> usize {
            self.nmsrs as usize
        }

        fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
            self.nmsrs = len.try_into()?;
            Ok(())
        }
    }
}

#[test]
fn flexible_header_too_short_fails() {
    let mut checks = Vec::new();
    layout_checks(&CLayout::flex_header::<short_header::kvm_msrs>("entries", "entries[0]"), &mut checks);
    let found = mismatches("short-header", &checks);
    let reported = |prefix: &str| found.iter().any(|line| line.starts_with(prefix));
    assert!(reported("size of kvm_msrs (struct kvm_msrs)"), "size not reported: {found:?}");
    assert!(reported("alignment of kvm_msrs (struct kvm_msrs)"), "alignment not reported: {found:?}");
    assert!(reported("offset of kvm_msrs's flexible member (struct kvm_msrs.entries)"), "member offset not reported: {found:?}");
    assert!(!reported("offsetof(struct kvm_msrs, entries) == sizeof"), "the C struct itself is consistent: {found:?}");

    let mut checks = Vec::new();
    layout_checks(&CLayout::flex_header::<sev_ioctls::kvm::kvm_msrs>("entries", "entries[0]"), &mut checks);
    assert_eq!(checks.len(), 10, "size, alignment, two fields and four flexible-member checks");
    assert_eq!(mismatches("msrs-header", &checks), Vec::<String>::new());
}
