#!/usr/bin/env bash
# Measures what ioctl-core costs at build time.
#
# 1. Clean build: the median of 3 `cargo build` runs (dev profile, empty target directory
#    each time) of three small binaries:
#      dsl       declares 10 KVM ioctls, 3 handles and FIONREAD with `ioctl!` and calls
#                them.
#      bare-syn  uses a function-like proc macro that parses its input with syn (with the
#                features that ioctl-macros enables) and emits one constant. It is the
#                floor of any syn-based macro crate.
#      iocuddle  declares and calls the same ioctls with iocuddle 0.4.
# 2. Expansion scale: generated crates with 100, 1,000 and 10,000 ioctls in `ioctl!`
#    invocations of up to 1,000 items each (one group per invocation, with its table),
#    one with none, and the 10,000 again without the optional `table` statements
#    (`10000-untabled`). With the dependencies already built, the median of 3
#    `cargo check` runs of the generated crate alone measures expansion plus
#    type-checking. The crate without ioctls gives the fixed cost of cargo and rustc.
#
# Usage: bench/build-cost.sh [WORK_DIR]
#   WORK_DIR   where the crates and target directories go (default: a new temporary
#              directory, removed at the end unless KEEP=1).
#   JOBS=N     parallel jobs for cargo (default 2).
# Crates are fetched from the registry once, before any timing; the timed builds run
# with --offline.

set -euo pipefail
# Failures inside $(...) stop the script too, so a failed build is never timed.
shopt -s inherit_errexit

repo=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-2}
if [ $# -ge 1 ]; then
    work=$1
    mkdir -p "$work"
else
    work=$(mktemp -d -t ioctl-build-cost.XXXXXX)
    if [ "${KEEP:-0}" != 1 ]; then
        trap 'rm -rf "$work"' EXIT
    fi
fi
cp "$repo/rust-toolchain.toml" "$work/"

# --- The three crates of the clean-build comparison --------------------------------

write_manifest() { # DIR NAME DEPENDENCIES...
    local dir=$1 name=$2
    shift 2
    mkdir -p "$dir/src"
    {
        printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n' "$name"
        printf '[workspace]\n\n[dependencies]\n'
        printf '%s\n' "$@"
    } >"$dir/Cargo.toml"
}

write_manifest "$work/dsl" dsl "ioctl-core = { path = \"$repo/ioctl-core\" }"
cat >"$work/dsl/src/main.rs" <<'EOF'
use std::ffi::c_ulong;
use std::io;

use ioctl_core::{ioctl, AnyBitPattern};

#[repr(C)]
#[derive(Clone, Copy, Default, AnyBitPattern)]
pub struct Regs {
    pub gp: [u64; 16],
    pub rip: u64,
    pub rflags: u64,
}

#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern)]
pub struct Sregs {
    pub words: [u64; 39],
}

ioctl! {
    // SAFETY: each line matches linux/kvm.h on x86_64.
    unsafe {
        group 0xAE;
        pub fd Kvm = "/dev/kvm";
        pub fd Vm;
        pub fd Vcpu;
        pub none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        pub none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        pub none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
        pub none KVM_GET_VCPU_MMAP_SIZE = 0x04 on Kvm -> count;
        pub none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
        pub none KVM_RUN = 0x80 on Vcpu -> zero;
        pub read KVM_GET_REGS = 0x81 => Regs on Vcpu;
        pub write KVM_SET_REGS = 0x82 => Regs on Vcpu -> zero;
        pub read KVM_GET_SREGS = 0x83 => Sregs on Vcpu;
        pub write KVM_SET_SREGS = 0x84 => Sregs on Vcpu -> zero;
    }
}

ioctl! {
    // SAFETY: FIONREAD writes one int.
    unsafe {
        pub read FIONREAD = raw 0x541B => i32;
    }
}

fn main() -> io::Result<()> {
    let (reader, _writer) = io::pipe()?;
    println!("{}", FIONREAD.call(&reader)?);
    let kvm = Kvm::open()?;
    println!("{}", KVM_GET_API_VERSION.call(&kvm)?);
    println!("{}", KVM_CHECK_EXTENSION.call(&kvm, 9)?);
    println!("{}", KVM_GET_VCPU_MMAP_SIZE.call(&kvm)?);
    let vm = KVM_CREATE_VM.call(&kvm, 0)?;
    let vcpu = KVM_CREATE_VCPU.call(&vm, 0)?;
    let regs = KVM_GET_REGS.call(&vcpu)?;
    KVM_SET_REGS.call(&vcpu, &regs)?;
    let sregs = KVM_GET_SREGS.call(&vcpu)?;
    KVM_SET_SREGS.call(&vcpu, &sregs)?;
    if std::env::args().count() > 1 {
        KVM_RUN.call(&vcpu)?;
    }
    Ok(())
}
EOF

syn_features='default-features = false, features = ["parsing", "printing", "proc-macro", "derive", "clone-impls"]'
write_manifest "$work/bare-syn/macro" bare-macro \
    "proc-macro2 = \"1\"" "quote = \"1\"" "syn = { version = \"2\", $syn_features }"
printf '\n[lib]\nproc-macro = true\n' >>"$work/bare-syn/macro/Cargo.toml"
cat >"$work/bare-syn/macro/src/lib.rs" <<'EOF'
use proc_macro::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;

struct Items(Punctuated<syn::Type, syn::Token![;]>);

impl Parse for Items {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        Punctuated::parse_terminated(input).map(Items)
    }
}

/// Parses a `;`-separated list of types and emits nothing.
#[proc_macro]
pub fn parse_only(input: TokenStream) -> TokenStream {
    let items = syn::parse_macro_input!(input as Items);
    let count = items.0.len();
    quote::quote!(const _: usize = #count;).into()
}
EOF
write_manifest "$work/bare-syn/user" bare-syn "bare-macro = { path = \"../macro\" }"
cat >"$work/bare-syn/user/src/main.rs" <<'EOF'
bare_macro::parse_only!(u8; [u64; 18]; std::fs::File);

fn main() {
    println!("parsed");
}
EOF

write_manifest "$work/iocuddle" iocuddle-user "iocuddle = \"0.4\""
cat >"$work/iocuddle/src/main.rs" <<'EOF'
use std::ffi::{c_int, c_ulong, c_void};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use iocuddle::{Group, Ioctl, Read, Write};

const KVM: Group = Group::new(0xAE);
// SAFETY: each constant matches linux/kvm.h on x86_64.
const KVM_GET_API_VERSION: Ioctl<Write, c_void> = unsafe { KVM.none(0x00) };
const KVM_CREATE_VM: Ioctl<Write, c_int> = unsafe { KVM.none(0x01) };
const KVM_CHECK_EXTENSION: Ioctl<Write, c_int> = unsafe { KVM.none(0x03) };
const KVM_GET_VCPU_MMAP_SIZE: Ioctl<Write, c_void> = unsafe { KVM.none(0x04) };
const KVM_CREATE_VCPU: Ioctl<Write, c_int> = unsafe { KVM.none(0x41) };
const KVM_RUN: Ioctl<Write, c_void> = unsafe { KVM.none(0x80) };
const KVM_GET_REGS: Ioctl<Read, &[u64; 18]> = unsafe { KVM.read(0x81) };
const KVM_SET_REGS: Ioctl<Write, &[u64; 18]> = unsafe { KVM.write(0x82) };
const KVM_GET_SREGS: Ioctl<Read, &[u64; 39]> = unsafe { KVM.read(0x83) };
const KVM_SET_SREGS: Ioctl<Write, &[u64; 39]> = unsafe { KVM.write(0x84) };
// SAFETY: FIONREAD writes one int.
const FIONREAD: Ioctl<Read, &c_int> = unsafe { Ioctl::classic(0x541B as c_ulong) };

fn owned(fd: u32) -> OwnedFd {
    // SAFETY: the ioctl returned a new descriptor.
    unsafe { OwnedFd::from_raw_fd(fd as c_int) }
}

fn main() -> io::Result<()> {
    let (reader, _writer) = io::pipe()?;
    println!("{}", FIONREAD.ioctl(&reader)?.1);
    let kvm: File = OpenOptions::new().read(true).write(true).open("/dev/kvm")?;
    println!("{}", KVM_GET_API_VERSION.ioctl(&kvm)?);
    println!("{}", KVM_CHECK_EXTENSION.ioctl(&kvm, 9)?);
    println!("{}", KVM_GET_VCPU_MMAP_SIZE.ioctl(&kvm)?);
    let vm = owned(KVM_CREATE_VM.ioctl(&kvm, 0)?);
    let vcpu = owned(KVM_CREATE_VCPU.ioctl(&vm, 0)?);
    let regs = KVM_GET_REGS.ioctl(&vcpu)?.1;
    KVM_SET_REGS.ioctl(&vcpu, &regs)?;
    let sregs = KVM_GET_SREGS.ioctl(&vcpu)?.1;
    KVM_SET_SREGS.ioctl(&vcpu, &sregs)?;
    if std::env::args().count() > 1 {
        KVM_RUN.ioctl(&vcpu)?;
    }
    Ok(())
}
EOF

# --- The generated crates of the expansion scale ------------------------------------

generate_scale() { # ITEM: a count, or a count followed by -untabled
    local item=$1 dir="$work/scale/ioctls-$1"
    write_manifest "$dir" "ioctls-$item" "ioctl-core = { path = \"$repo/ioctl-core\" }"
    # All sizes share one target directory, so the dependencies build once.
    sed -i '/^\[workspace\]$/d' "$dir/Cargo.toml"
    python3 - "${item%-untabled}" "$([ "$item" = "${item%-untabled}" ] && echo tables || echo none)" >"$dir/src/lib.rs" <<'EOF'
import sys

count = int(sys.argv[1])
tables = sys.argv[2] == "tables"
per_group = 1000  # 250 numbers x 4 directions: the most distinct requests in one group
out = ["#![allow(dead_code, unused_imports)]", "use ioctl_core::{ioctl, AnyBitPattern};", ""]
out += ["#[repr(C)]", "#[derive(Clone, Copy, AnyBitPattern)]", "pub struct Pair { pub a: u32, pub b: u32 }", ""]
kinds = [
    ("none", "-> count"),
    ("read", "=> Pair"),
    ("write", "=> u64 -> zero"),
    ("readwrite", "=> [u8; 16]"),
]
for start in range(0, count, per_group):
    group = start // per_group + 1
    items = min(per_group, count - start)
    out.append("ioctl! {")
    out.append("    // SAFETY: generated declarations that are never called.")
    out.append("    unsafe {")
    out.append(f"        group {group:#04x};")
    if tables:
        out.append(f"        pub table TABLE_{group};")
    out.append(f"        pub fd Device{group};")
    for i in range(items):
        direction, clause = kinds[i % 4]
        number = i // 4
        on = f" on Device{group}" if i % 2 else ""
        clause = clause.replace(" ->", on + " ->") if "->" in clause else clause + on
        out.append(f"        pub {direction} IOCTL_{group}_{i} = {number:#04x} {clause};")
    out.append("    }")
    out.append("}")
    out.append("")
print("\n".join(out))
EOF
}

mkdir -p "$work/scale"
printf '[workspace]\nresolver = "2"\nmembers = ["ioctls-*"]\n' >"$work/scale/Cargo.toml"
cp "$repo/rust-toolchain.toml" "$work/scale/"
items="0 100 1000 10000 10000-untabled"
for item in $items; do
    generate_scale "$item"
done

# --- Timing ---------------------------------------------------------------------------

if [ ! -x /usr/bin/time ]; then
    echo "build-cost.sh: /usr/bin/time is missing; install it (Debian package: time)" >&2
    exit 1
fi

median3() { # prints the median of three numbers
    printf '%s\n' "$@" | sort -g | sed -n 2p
}

timed() { # DIR COMMAND...: runs COMMAND in DIR, prints "wall_seconds cpu_seconds"
    local dir=$1 report
    shift
    report=$(mktemp)
    (cd "$dir" && /usr/bin/time -f '%e %U %S' -o "$report" "$@")
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$report"
    rm -f "$report"
}

clean_build() { # DIR: prints "wall cpu" of one build from an empty target directory
    rm -rf "$1/target"
    timed "$1" cargo build -q --offline -j "$jobs"
}

scale_check() { # PROFILE ITEM: prints "wall cpu" of one check of the generated crate
    touch "$work/scale/ioctls-$2/src/lib.rs"
    CARGO_INCREMENTAL=0 timed "$work/scale" cargo check -q --offline -j "$jobs" --profile "$1" -p "ioctls-$2"
}

ratio() { echo "$1 / $2" | bc -l; }

echo "# Build cost ($(date -u +%Y-%m-%d), $(nproc) CPUs, cargo -j$jobs, $(rustc --version))"
echo

clean_crates=(dsl bare-syn/user iocuddle)
clean_names=("dsl (ioctl-core)" "bare syn proc-macro" "iocuddle 0.4")
for crate in "${clean_crates[@]}"; do
    (cd "$work/$crate" && cargo fetch -q)
done
# Rounds alternate the crates, so a change in the machine's load affects all three alike.
declare -A walls cpus
for round in 1 2 3; do
    for crate in "${clean_crates[@]}"; do
        result=$(clean_build "$work/$crate")
        read -r wall cpu <<<"$result"
        walls[$crate]+="$wall "
        cpus[$crate]+="$cpu "
    done
done
syn_version=$(cd "$work/dsl" && cargo tree -q --offline -i syn -e normal,build --depth 0 | head -1)
iocuddle_version=$(cd "$work/iocuddle" && cargo tree -q --offline -i iocuddle --depth 0 | head -1)
echo "Clean build, dev profile, median of 3 rounds ($syn_version, $iocuddle_version):"
echo
echo "| crate | wall s | wall ratio to bare syn | CPU s (user+sys) | CPU ratio to bare syn |"
echo "|---|---:|---:|---:|---:|"
# shellcheck disable=SC2086 # the lists are space-separated numbers
bare_wall=$(median3 ${walls[bare-syn/user]})
# shellcheck disable=SC2086
bare_cpu=$(median3 ${cpus[bare-syn/user]})
for index in 0 1 2; do
    crate=${clean_crates[$index]}
    # shellcheck disable=SC2086
    wall=$(median3 ${walls[$crate]})
    # shellcheck disable=SC2086
    cpu=$(median3 ${cpus[$crate]})
    printf '| %s | %.2f | %.2f | %.2f | %.2f |\n' "${clean_names[$index]}" "$wall" "$(ratio "$wall" "$bare_wall")" \
        "$cpu" "$(ratio "$cpu" "$bare_cpu")"
done

# `dev` is what `cargo check` uses. `dev-opt-macros` compiles proc macros with opt-level 3
# (a `build-override`), which shows how much of the expansion time is the unoptimized
# macro itself.
printf '\n[profile.dev-opt-macros]\ninherits = "dev"\n\n[profile.dev-opt-macros.build-override]\nopt-level = 3\n' \
    >>"$work/scale/Cargo.toml"
for profile in dev dev-opt-macros; do
    (cd "$work/scale" && cargo fetch -q && CARGO_INCREMENTAL=0 cargo check -q --offline -j "$jobs" --profile "$profile" --workspace)
    echo
    echo "Expansion plus type-check of the generated crate alone, profile $profile, no incremental cache, median of 3:"
    echo
    echo "| ioctls | wall s | wall s above 0 ioctls | ms per ioctl above 0 | CPU s | source lines |"
    echo "|---:|---:|---:|---:|---:|---:|"
    empty=
    for item in $items; do
        count=${item%-untabled}
        runs_wall=()
        runs_cpu=()
        for _ in 1 2 3; do
            result=$(scale_check "$profile" "$item")
            read -r wall cpu <<<"$result"
            runs_wall+=("$wall")
            runs_cpu+=("$cpu")
        done
        wall=$(median3 "${runs_wall[@]}")
        cpu=$(median3 "${runs_cpu[@]}")
        lines=$(wc -l <"$work/scale/ioctls-$item/src/lib.rs")
        if [ -z "$empty" ]; then
            empty=$wall
            printf '| 0 | %.2f | | | %.2f | %s |\n' "$wall" "$cpu" "$lines"
        else
            above=$(echo "$wall - $empty" | bc -l)
            printf '| %s | %.2f | %.2f | %.3f | %.2f | %s |\n' "$item" "$wall" "$above" \
                "$(echo "$above * 1000 / $count" | bc -l)" "$cpu" "$lines"
        fi
    done
done
