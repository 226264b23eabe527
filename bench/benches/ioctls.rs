//! `cargo bench -p ioctl-bench`: the same ioctls through ioctl-core (both call paths), raw
//! `libc::ioctl`, nix, rustix, iocuddle, vmm-sys-util and kvm-ioctls.
//!
//! Two passes run in this one process. divan first measures each variant on its own and
//! prints its distribution. Then the interleaved rounds of `ioctl_bench::rounds` measure
//! all variants of one ioctl in turn and print medians and ratios to raw `libc::ioctl`,
//! the figures that BENCHMARKS.md records.
//!
//! Environment: `IOCTL_BENCH_ROUNDS` (default 300, 0 skips the interleaved pass) and
//! `IOCTL_BENCH_BATCH_US`, the target CPU time of one batch in microseconds (default 1000).
//! Arguments go to divan: a filter such as `fionread` limits its pass, and one that
//! matches nothing (`-- none`) skips it.

use std::time::Duration;

use ioctl_bench::calls::{
    via_ioctl_core, via_ioctl_core_libc, via_iocuddle, via_kvm_ioctls, via_libc, via_nix, via_rustix,
    via_vmm_sys_util,
};
use ioctl_bench::fixture::{with_fixture, Fixture};
use ioctl_bench::rounds::{self, Settings, Variant};

/// Declares one comparison: a module with a divan benchmark per variant and a `variants`
/// function for the interleaved rounds. The first variant is the reference of the ratios.
macro_rules! comparison {
    (
        $module:ident, $title:literal, target = $target:ident, sample_size = $sample_size:literal,
        [ $( $variant:ident : $label:literal => $call:path ),+ $(,)? ]
    ) => {
        mod $module {
            use super::*;

            pub const TITLE: &str = $title;

            pub fn variants(fixture: &Fixture) -> Result<Vec<Variant<'_>>, String> {
                let target = fixture.$target()?;
                Ok(vec![ $( Variant::new($label, move || $call(target)) ),+ ])
            }

            $(
                #[divan::bench(name = $label, sample_count = 100, sample_size = $sample_size)]
                fn $variant(bencher: divan::Bencher) {
                    with_fixture(|fixture| match fixture.$target() {
                        Ok(target) => bencher.bench_local(|| $call(target)),
                        Err(reason) => println!("{TITLE} / {}: skipped, {reason}", $label),
                    })
                }
            )+
        }
    };
}

comparison!(fionread, "FIONREAD on a pipe", target = pipe, sample_size = 1000, [
    libc: "libc::ioctl" => via_libc::fionread,
    ioctl_core: "ioctl-core" => via_ioctl_core::fionread,
    ioctl_core_libc: "ioctl-core sys::libc_ioctl" => via_ioctl_core_libc::fionread,
    nix: "nix" => via_nix::fionread,
    rustix: "rustix" => via_rustix::fionread,
    iocuddle: "iocuddle" => via_iocuddle::fionread,
    vmm_sys_util: "vmm-sys-util" => via_vmm_sys_util::fionread,
]);

comparison!(api_version, "KVM_GET_API_VERSION", target = kvm, sample_size = 1000, [
    libc: "libc::ioctl" => via_libc::api_version,
    ioctl_core: "ioctl-core" => via_ioctl_core::api_version,
    ioctl_core_libc: "ioctl-core sys::libc_ioctl" => via_ioctl_core_libc::api_version,
    nix: "nix" => via_nix::api_version,
    rustix: "rustix" => via_rustix::api_version,
    iocuddle: "iocuddle" => via_iocuddle::api_version,
    vmm_sys_util: "vmm-sys-util" => via_vmm_sys_util::api_version,
]);

comparison!(check_extension, "KVM_CHECK_EXTENSION(KVM_CAP_NR_VCPUS)", target = kvm, sample_size = 1000, [
    libc: "libc::ioctl" => via_libc::check_extension,
    ioctl_core: "ioctl-core" => via_ioctl_core::check_extension,
    ioctl_core_libc: "ioctl-core sys::libc_ioctl" => via_ioctl_core_libc::check_extension,
    nix: "nix" => via_nix::check_extension,
    rustix: "rustix" => via_rustix::check_extension,
    iocuddle: "iocuddle" => via_iocuddle::check_extension,
    vmm_sys_util: "vmm-sys-util" => via_vmm_sys_util::check_extension,
]);

comparison!(get_regs, "KVM_GET_REGS on a vCPU", target = kvm, sample_size = 1000, [
    libc: "libc::ioctl" => via_libc::get_regs,
    ioctl_core: "ioctl-core" => via_ioctl_core::get_regs,
    ioctl_core_libc: "ioctl-core sys::libc_ioctl" => via_ioctl_core_libc::get_regs,
    nix: "nix" => via_nix::get_regs,
    rustix: "rustix" => via_rustix::get_regs,
    iocuddle: "iocuddle" => via_iocuddle::get_regs,
    vmm_sys_util: "vmm-sys-util" => via_vmm_sys_util::get_regs,
]);

comparison!(kvm_run, "KVM_RUN round trip with an I/O exit", target = kvm, sample_size = 100, [
    libc: "libc::ioctl" => via_libc::kvm_run,
    ioctl_core: "ioctl-core" => via_ioctl_core::kvm_run,
    ioctl_core_libc: "ioctl-core sys::libc_ioctl" => via_ioctl_core_libc::kvm_run,
    kvm_ioctls: "kvm-ioctls VcpuFd::run" => via_kvm_ioctls::kvm_run,
]);

type VariantsFn = fn(&Fixture) -> Result<Vec<Variant<'_>>, String>;

const COMPARISONS: [(&str, VariantsFn); 5] = [
    (fionread::TITLE, fionread::variants),
    (api_version::TITLE, api_version::variants),
    (check_extension::TITLE, check_extension::variants),
    (get_regs::TITLE, get_regs::variants),
    (kvm_run::TITLE, kvm_run::variants),
];

/// Reads a non-negative integer from the environment, or returns `default` when unset.
///
/// # Panics
///
/// Panics when the variable is set but is not such an integer.
fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is invalid: expected a non-negative integer")),
        Err(_) => default,
    }
}

fn main() {
    divan::main();

    let settings = Settings {
        rounds: env_number("IOCTL_BENCH_ROUNDS", 300) as usize,
        batch_time: Duration::from_micros(env_number("IOCTL_BENCH_BATCH_US", 1000)),
    };
    if settings.rounds == 0 {
        return;
    }
    let path = if ioctl_core::sys::RAW_SYSCALL { "inline system call" } else { "C library" };
    println!();
    println!("## Interleaved rounds (ioctl-core call path of this build: {path})");
    with_fixture(|fixture| {
        for (title, variants) in COMPARISONS {
            let result = variants(fixture).and_then(|variants| rounds::compare(title, variants, settings));
            match result {
                Ok(report) => report.print(),
                Err(reason) => println!("\n### {title}: skipped, {reason}"),
            }
        }
    });
}
