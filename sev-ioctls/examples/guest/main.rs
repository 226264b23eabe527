//! Boots a real-mode guest on /dev/kvm with the ioctls that `sev-ioctls` declares.
//!
//! ```text
//! cargo run -p sev-ioctls --example guest            # the built-in guest
//! cargo run -p sev-ioctls --example guest -- FILE    # a flat 16-bit binary, loaded at 0x1000
//! ```
//!
//! The guest's writes to port 0x3f8 are printed as they happen; after `hlt` a summary of
//! exits and registers follows. Exit status: 0 when the guest halted, 1 on a usage or file
//! error, 2 when /dev/kvm cannot be opened, 3 when the guest or KVM failed.

mod machine;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (program, source) = match (args.next(), args.next()) {
        (None, _) => (machine::BUILT_IN_GUEST.to_vec(), "built-in guest".to_string()),
        (Some(path), None) => match std::fs::read(&path) {
            Ok(bytes) => (bytes, path.to_string_lossy().into_owned()),
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.to_string_lossy());
                return ExitCode::from(1);
            }
        },
        (Some(_), Some(_)) => {
            eprintln!("usage: guest [FLAT-BINARY]\n\nRuns FLAT-BINARY (or a built-in guest) in 16-bit real mode at 0x1000.");
            return ExitCode::from(1);
        }
    };

    println!("booting {source} ({} bytes) at {:#x}; output on port {:#x}:", program.len(), machine::LOAD_ADDRESS, machine::OUTPUT_PORT);
    let stdout = std::io::stdout();
    let mut line = Vec::new();
    let result = machine::run(&program, |byte| {
        line.push(byte);
        if byte == b'\n' {
            let _ = stdout.lock().write_all(&[b"guest> ", line.as_slice()].concat());
            line.clear();
        }
    });
    if !line.is_empty() {
        println!("guest> {}", String::from_utf8_lossy(&line));
    }

    match result {
        Ok(report) => {
            let regs = &report.regs;
            println!(
                "guest halted after {} exits: {} I/O, {} MMIO, {} HLT",
                report.io_exits + report.mmio_exits + report.hlt_exits,
                report.io_exits,
                report.mmio_exits,
                report.hlt_exits
            );
            println!("rip={:#06x} rax={:#06x} rbx={:#06x} rcx={:#06x} rdx={:#06x}", regs.rip, regs.rax, regs.rbx, regs.rcx, regs.rdx);
            println!("rsi={:#06x} rdi={:#06x} rsp={:#06x} rbp={:#06x} rflags={:#06x}", regs.rsi, regs.rdi, regs.rsp, regs.rbp, regs.rflags);
            ExitCode::SUCCESS
        }
        Err(machine::RunError::Open(error)) => {
            eprintln!("error: {error}");
            eprintln!("this example needs KVM: a Linux host with virtualization enabled and access to /dev/kvm");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(3)
        }
    }
}
