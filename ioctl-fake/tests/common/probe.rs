//! Compares Rust declarations with what gcc computes from the kernel's UAPI headers.
//!
//! A [`Probe`] collects values (request numbers by C macro name, constants, struct sizes,
//! alignments and field offsets), writes a C program that prints each, compiles it with
//! gcc against `/usr/include` and reports every value that differs. Each value comes from
//! the Rust declarations (`IoctlInfo` tables, `StructLayout`), never restated by hand.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use ioctl_core::{IoctlInfo, StructLayout};

struct Check {
    key: String,
    c_expression: String,
    rust: u64,
}

/// The values to compare and the headers to include.
pub struct Probe {
    name: &'static str,
    headers: Vec<&'static str>,
    checks: Vec<Check>,
}

impl Probe {
    /// Starts a probe that includes `headers` (such as `linux/seccomp.h`); `name` keeps
    /// the files of concurrent probes apart.
    pub fn new(name: &'static str, headers: &[&'static str]) -> Probe {
        Probe { name, headers: headers.to_vec(), checks: Vec::new() }
    }

    /// Compares `rust` with the C expression `c_expression`.
    pub fn value(&mut self, key: &str, c_expression: &str, rust: u64) {
        self.checks.push(Check { key: key.to_string(), c_expression: c_expression.to_string(), rust });
    }

    /// Compares a constant with the C macro or enumerator of the same name.
    pub fn constant(&mut self, name: &str, rust: u64) {
        self.value(&format!("constant {name}"), name, rust);
    }

    /// Compares each request number of `table` with the C macro of its name.
    pub fn ioctls(&mut self, table: &[IoctlInfo]) {
        for info in table {
            self.value(&format!("request {}", info.name), info.name, u64::from(info.request));
        }
    }

    /// Compares the size, alignment, field offsets and field sizes of `T` with the C type
    /// `c_type`, whose fields have the same names.
    pub fn layout<T: StructLayout>(&mut self, c_type: &str) {
        let name = T::NAME;
        self.value(&format!("size of {name}"), &format!("sizeof({c_type})"), T::SIZE as u64);
        self.value(&format!("alignment of {name}"), &format!("_Alignof({c_type})"), T::ALIGN as u64);
        for field in T::FIELDS {
            let field_name = field.name;
            self.value(
                &format!("offset of {name}.{field_name}"),
                &format!("offsetof({c_type}, {field_name})"),
                field.offset as u64,
            );
            self.value(
                &format!("size of {name}.{field_name}"),
                &format!("sizeof((({c_type} *)0)->{field_name})"),
                field.size as u64,
            );
        }
    }

    fn program(&self) -> String {
        let mut program = String::from("#include <stddef.h>\n#include <stdio.h>\n#include <linux/types.h>\n#include <linux/ioctl.h>\n");
        for header in &self.headers {
            writeln!(program, "#include <{header}>").unwrap();
        }
        program.push_str("\nint main(void)\n{\n");
        for (index, check) in self.checks.iter().enumerate() {
            writeln!(program, "\tprintf(\"{index} %llu\\n\", (unsigned long long)({}));", check.c_expression).unwrap();
        }
        program.push_str("\treturn 0;\n}\n");
        program
    }

    /// Compiles and runs the probe; returns one message per value that differs. Panics
    /// when gcc is missing or the program does not compile (a name that the headers lack).
    pub fn mismatches(&self) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!("ioctl-fake-probe-{}-{}", self.name, std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("cannot create {}: {error}", dir.display()));
        let source = dir.join("probe.c");
        let binary: PathBuf = dir.join("probe");
        std::fs::write(&source, self.program()).unwrap();

        let output = match Command::new("gcc").args(["-std=gnu11", "-Wall", "-o"]).arg(&binary).arg(&source).output() {
            Ok(output) => output,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                panic!("gcc is not installed; the header check needs it to compile {}", source.display())
            }
            Err(error) => panic!("cannot run gcc: {error}"),
        };
        assert!(
            output.status.success(),
            "gcc could not compile {}; a declared name is missing from the headers:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let output = Command::new(&binary).output().unwrap_or_else(|error| panic!("cannot run {}: {error}", binary.display()));
        assert!(output.status.success(), "{} failed: {:?}", binary.display(), output.status);
        let stdout = String::from_utf8(output.stdout).expect("the probe prints ASCII");
        let _ = std::fs::remove_dir_all(&dir);

        let mut printed = vec![None; self.checks.len()];
        for line in stdout.lines() {
            let (index, value) = line.split_once(' ').unwrap_or_else(|| panic!("malformed probe line {line:?}"));
            let index: usize = index.parse().unwrap_or_else(|_| panic!("malformed probe line {line:?}"));
            printed[index] = Some(value.parse::<u64>().unwrap_or_else(|_| panic!("malformed probe line {line:?}")));
        }

        let mut found = Vec::new();
        for (check, c_value) in self.checks.iter().zip(printed) {
            match c_value {
                None => found.push(format!("{}: the probe printed no value", check.key)),
                Some(c_value) if c_value != check.rust => found.push(format!(
                    "{}: Rust {:#x}, C `{}` = {c_value:#x}",
                    check.key, check.rust, check.c_expression
                )),
                Some(_) => {}
            }
        }
        found
    }
}
