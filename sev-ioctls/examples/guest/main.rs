//! Boots a real-mode guest on /dev/kvm with the ioctls that `sev-ioctls` declares.
//!
//! ```text
//! cargo run -p sev-ioctls --example guest            # the built-in guest
//! cargo run -p sev-ioctls --example guest -- FILE    # a flat 16-bit binary, loaded at 0x1000
//! ```
//!
//! The guest's writes to port 0x3f8 are printed as they happen; after `hlt` a summary of
//! exits and registers follows. A guest that has not halted after 10 seconds is stopped.
//! Exit status: 0 when the guest halted, 1 on a usage or program-file error, 2 when
//! /dev/kvm cannot be opened, 3 when the guest or KVM failed or the time ran out.

mod machine;

use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the guest may run before the example stops it. A guest that loops without
/// exiting to the VMM (`jmp $`) would otherwise run until the process is killed.
const TIME_LIMIT: Duration = Duration::from_secs(10);

const USAGE: &str = "usage: guest [FLAT-BINARY]

Runs FLAT-BINARY, or a built-in guest, in 16-bit real mode at 0x1000 with 1 MiB of memory,
printing what it writes to port 0x3f8. The guest is stopped after 10 seconds.";

/// What the vCPU thread reports to the main thread.
enum Event {
    Booted,
    Output(u8),
    Done(Result<machine::Report, machine::RunError>),
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (program, source) = match (args.next(), args.next()) {
        (None, _) => (machine::BUILT_IN_GUEST.to_vec(), "built-in guest".to_string()),
        (Some(flag), None) if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        (Some(path), None) => match std::fs::read(&path) {
            Ok(bytes) => (bytes, path.to_string_lossy().into_owned()),
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.to_string_lossy());
                return ExitCode::from(1);
            }
        },
        (Some(_), Some(_)) => {
            eprintln!("{USAGE}");
            return ExitCode::from(1);
        }
    };
    if let Err(error) = machine::check_program(&program) {
        eprintln!("error: {source}: {error}");
        return ExitCode::from(1);
    }

    // The vCPU runs on its own thread, so that the main thread can stop a guest that never
    // exits to the VMM: returning from `main` ends the process, vCPU thread included.
    let (events, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let output = events.clone();
        let booted = events.clone();
        let result = machine::run_with_boot(
            &program,
            move || {
                let _ = booted.send(Event::Booted);
            },
            move |byte| {
                let _ = output.send(Event::Output(byte));
            },
        );
        let _ = events.send(Event::Done(result));
    });

    let deadline = Instant::now() + TIME_LIMIT;
    let mut line = Vec::new();
    let result = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok(Event::Booted) => {
                println!("booted {source} at {:#x}; output on port {:#x}:", machine::LOAD_ADDRESS, machine::OUTPUT_PORT);
            }
            Ok(Event::Output(byte)) => {
                line.push(byte);
                if byte == b'\n' {
                    print_guest_line(&line);
                    line.clear();
                }
            }
            Ok(Event::Done(result)) => break result,
            Err(_) => {
                print_guest_line(&line);
                eprintln!("error: the guest did not halt within {} seconds; it was stopped", TIME_LIMIT.as_secs());
                return ExitCode::from(3);
            }
        }
    };
    print_guest_line(&line);

    match result {
        Ok(report) => {
            let regs = &report.regs;
            let exits = report.io_exits + report.mmio_exits + report.hlt_exits;
            println!(
                "guest halted after {exits} {}: {} I/O, {} MMIO, {} HLT",
                if exits == 1 { "exit" } else { "exits" },
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

/// Prints one line of guest output, with bytes that are not printable ASCII escaped.
fn print_guest_line(line: &[u8]) {
    if line.is_empty() {
        return;
    }
    let text = line.strip_suffix(b"\n").unwrap_or(line).escape_ascii().to_string();
    let _ = writeln!(std::io::stdout().lock(), "guest> {text}");
}
