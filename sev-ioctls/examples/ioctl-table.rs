//! Prints every ioctl and sub-command that `sev-ioctls` declares, or decodes a request
//! number.
//!
//! ```text
//! cargo run -p sev-ioctls --example ioctl-table               # the table
//! cargo run -p sev-ioctls --example ioctl-table decode 0xc008aeba
//! ```
//!
//! The table has one line per ioctl or sub-command, with eight tab-separated columns:
//! name, request number (`0x%08x`), encoded direction (`none`, `read`, `write`,
//! `readwrite`), group (`0x%02x`), number (`0x%02x`), encoded size in bytes, argument
//! type (`-` for none), and sub-command id (`-` for a plain ioctl). A sub-command's
//! request columns are those of the ioctl that carries it. Declarations newer than the
//! installed Linux headers are included; the crate documentation marks them.
//!
//! Exit status: 0 on success (and for `--help`), 1 when the output cannot be written, 2 on
//! a usage error.

use std::io::{self, Write};
use std::process::ExitCode;

use ioctl_core::{Decoded, IoctlInfo, Layout};
use sev_ioctls::tables::{self, SubCommand};

fn ioctls() -> impl Iterator<Item = &'static IoctlInfo> {
    tables::IOCTLS.iter().chain(tables::UNVERIFIED_IOCTLS).flat_map(|table| table.iter())
}

fn sub_commands() -> impl Iterator<Item = &'static SubCommand> {
    tables::SUB_COMMANDS.iter().chain(tables::UNVERIFIED_SUB_COMMANDS).flat_map(|table| table.iter())
}

fn direction_name(decoded: &Decoded) -> &'static str {
    decoded.direction.map_or("invalid", |direction| direction.name())
}

/// Formats the request columns: number, direction, group, number and size.
fn request_columns(request: u32) -> String {
    let decoded = Layout::NATIVE.decode(request);
    format!(
        "{request:#010x}\t{}\t{:#04x}\t{:#04x}\t{}",
        direction_name(&decoded),
        decoded.group,
        decoded.number,
        decoded.size
    )
}

/// Writes the table; stops at the first write error, such as a closed pipe.
fn print_table(out: &mut impl Write) -> io::Result<()> {
    for info in ioctls() {
        writeln!(out, "{}\t{}\t{}\t-", info.name, request_columns(info.request), info.argument_type.unwrap_or("-"))?;
    }
    for command in sub_commands() {
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            command.name,
            request_columns(command.carrier_request),
            command.payload.unwrap_or("-"),
            command.id
        )?;
    }
    out.flush()
}

fn parse_request(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn print_decoded(request: u32) {
    let decoded = Layout::NATIVE.decode(request);
    println!("request\t{request:#010x}");
    println!("direction\t{}", direction_name(&decoded));
    println!("group\t{:#04x}", decoded.group);
    println!("number\t{:#04x}", decoded.number);
    println!("size\t{}", decoded.size);

    let mut matched = false;
    for info in ioctls().filter(|info| info.request == request) {
        matched = true;
        let fd_kind = info.fd_kind.unwrap_or("any fd");
        println!("name\t{} (on {fd_kind}, argument {})", info.name, info.argument_type.unwrap_or("none"));
        let carried: Vec<String> = sub_commands()
            .filter(|command| command.carrier == info.name)
            .map(|command| format!("{}={}", command.name, command.id))
            .collect();
        if !carried.is_empty() {
            println!("sub-commands\t{}", carried.join(" "));
        }
    }
    if !matched {
        println!("name\t- (no declared ioctl has this number)");
    }
}

const USAGE: &str = "usage: ioctl-table [decode REQUEST]

Without arguments, prints every declared ioctl and sub-command.
With `decode`, splits REQUEST (hexadecimal with 0x, or decimal) into its fields and names it.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            // A closed pipe (`| head`) ends the output early; that is not an error.
            if let Err(error) = print_table(&mut io::stdout().lock()) {
                if error.kind() != io::ErrorKind::BrokenPipe {
                    eprintln!("error: cannot write the table: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        [command, request] if command == "decode" => match parse_request(request) {
            Some(request) => print_decoded(request),
            None => {
                eprintln!("error: invalid request number {request:?}; write it as 0x… (hexadecimal) or in decimal, at most 32 bits");
                return ExitCode::from(2);
            }
        },
        [flag] if flag == "-h" || flag == "--help" => println!("{USAGE}"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
