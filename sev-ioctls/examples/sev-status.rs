//! Checks whether this host can run SEV guests, and prints the SEV platform status.
//!
//! ```text
//! cargo run -p sev-ioctls --example sev-status
//! ```
//!
//! The checks run in order and stop at the first that fails:
//!
//! | exit status | meaning |
//! |---|---|
//! | 0 | /dev/sev answers, and KVM enables SEV |
//! | 2 | /dev/sev is missing: no SEV firmware device on this host |
//! | 3 | /dev/sev exists but this user may not open it |
//! | 4 | /dev/sev cannot be opened for another reason |
//! | 5 | the firmware rejected `SEV_PLATFORM_STATUS` |
//! | 6 | KVM does not enable SEV (`kvm_amd`'s `sev` parameter) |
//! | 7 | the kernel failed `SEV_PLATFORM_STATUS` before the firmware answered (for example `ENOTTY` from a device that is not the SEV driver) |

use std::io;
use std::process::ExitCode;

use sev_ioctls::sev::snp::SnpPlatformStatus;
use sev_ioctls::sev::{sev_user_data_status, Sev, SEV_STATUS_FLAGS_CONFIG_ES};

/// The `kvm_amd` module parameters that enable SEV, SEV-ES and SEV-SNP.
const KVM_AMD_PARAMETERS: [&str; 3] = ["sev", "sev_es", "sev_snp"];

fn open_error(error: &io::Error) -> ExitCode {
    let reason = ioctl_core::OpenError::from_io(error).map_or_else(|| error.to_string(), |open| open.os_error().to_string());
    match error.kind() {
        io::ErrorKind::NotFound => {
            eprintln!("error: /dev/sev is missing ({reason})");
            eprintln!("this host has no SEV firmware device: the ccp driver is not loaded, or the CPU, BIOS or kernel does not enable SEV");
            ExitCode::from(2)
        }
        io::ErrorKind::PermissionDenied => {
            eprintln!("error: permission denied opening /dev/sev ({reason})");
            eprintln!("run as root, or as a user with read and write access to /dev/sev");
            ExitCode::from(3)
        }
        _ => {
            eprintln!("error: cannot open /dev/sev ({reason})");
            ExitCode::from(4)
        }
    }
}

fn state_name(state: u8) -> &'static str {
    match state {
        0 => "uninitialized",
        1 => "initialized",
        2 => "working",
        _ => "unknown",
    }
}

fn print_status(status: &sev_user_data_status) {
    let sev_user_data_status { api_major, api_minor, state, flags, build, guest_count } = *status;
    println!("SEV firmware: API {api_major}.{api_minor}, build {build}");
    println!("platform state: {} ({state})", state_name(state));
    println!("owner: {}", if flags & 1 != 0 { "externally owned" } else { "self-owned" });
    println!("SEV-ES: {}", if flags & SEV_STATUS_FLAGS_CONFIG_ES != 0 { "enabled" } else { "disabled" });
    println!("active guests: {guest_count}");
}

/// Returns the value of a `kvm_amd` parameter, or the reason it cannot be read.
fn kvm_amd_parameter(name: &str) -> Result<String, String> {
    let path = format!("/sys/module/kvm_amd/parameters/{name}");
    std::fs::read_to_string(&path).map(|value| value.trim().to_string()).map_err(|error| format!("{path}: {error}"))
}

fn main() -> ExitCode {
    let sev = match Sev::open() {
        Ok(sev) => sev,
        Err(error) => return open_error(&error),
    };

    match sev.platform_status() {
        Ok(status) => print_status(&status),
        Err(error @ sev_ioctls::sev::SevError::Os(_)) => {
            eprintln!("error: SEV_PLATFORM_STATUS failed in the kernel: {error}");
            return ExitCode::from(7);
        }
        Err(error) => {
            eprintln!("error: SEV_PLATFORM_STATUS failed: {error}");
            return ExitCode::from(5);
        }
    }

    let mut snp = SnpPlatformStatus::default();
    match sev.issue(&mut snp) {
        Ok(()) => {
            let status = snp.status;
            let (major, minor, guests) = (status.api_major, status.api_minor, status.guest_count);
            println!("SEV-SNP firmware: API {major}.{minor}, active guests {guests}");
        }
        Err(error) => println!("SEV-SNP: not available ({error})"),
    }

    let mut enabled = true;
    for name in KVM_AMD_PARAMETERS {
        match kvm_amd_parameter(name) {
            Ok(value) => {
                println!("kvm_amd {name}: {value}");
                if name == "sev" && value != "Y" && value != "1" {
                    enabled = false;
                }
            }
            Err(reason) if name == "sev" => {
                println!("kvm_amd {name}: unknown ({reason})");
                enabled = false;
            }
            Err(reason) => println!("kvm_amd {name}: unknown ({reason})"),
        }
    }
    if !enabled {
        eprintln!("error: KVM does not enable SEV; load kvm_amd with sev=1 (a kernel built with CONFIG_KVM_AMD_SEV)");
        return ExitCode::from(6);
    }
    ExitCode::SUCCESS
}
