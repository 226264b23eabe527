//! A minimal VMM: one vCPU in 16-bit real mode, 1 MiB of guest memory, a byte-wide
//! output port, and a loop that runs until the guest halts.

use std::fmt;
use std::io;

use sev_ioctls::kvm::{
    kvm_regs, Exit, GuestMemory, IoDirection, Kvm, VcpuRun, KVM_CREATE_VCPU, KVM_GET_REGS, KVM_GET_SREGS,
    KVM_SET_REGS, KVM_SET_SREGS, KVM_SET_TSS_ADDR,
};

/// Guest physical address where the program is loaded and starts.
pub const LOAD_ADDRESS: u64 = 0x1000;
/// Size of guest memory: the 1 MiB that real mode addresses.
pub const MEMORY_SIZE: usize = 1 << 20;
/// The port whose writes are the guest's output (COM1's data register).
pub const OUTPUT_PORT: u16 = 0x3f8;
/// Exits after which a guest that has not halted is stopped.
pub const MAX_EXITS: u64 = 1_000_000;
/// Guest physical address of the three pages that Intel VMX needs for real mode.
const TSS_ADDRESS: u64 = 0xfffb_d000;

/// The built-in guest: writes a greeting to [`OUTPUT_PORT`], sets `ax` to 0x2a and halts.
///
/// ```text
/// 1000: ba f8 03     mov dx, 0x3f8
/// 1003: be 12 10     mov si, message
/// 1006: ac           lodsb             ; al = [ds:si], si += 1
/// 1007: 84 c0        test al, al
/// 1009: 74 03        jz done
/// 100b: ee           out dx, al
/// 100c: eb f8        jmp 1006
/// 100e: b8 2a 00     done: mov ax, 0x2a
/// 1011: f4           hlt
/// 1012: "Hello from the guest\n", 0
/// ```
pub const BUILT_IN_GUEST: &[u8] = b"\xba\xf8\x03\xbe\x12\x10\xac\x84\xc0\x74\x03\xee\xeb\xf8\xb8\x2a\x00\xf4Hello from the guest\n\0";

/// The outcome of a guest run that ended in `hlt`.
#[derive(Debug)]
pub struct Report {
    /// Every byte the guest wrote to [`OUTPUT_PORT`].
    pub output: Vec<u8>,
    /// Number of `KVM_EXIT_IO` exits.
    pub io_exits: u64,
    /// Number of `KVM_EXIT_HLT` exits (1 when the guest halted).
    pub hlt_exits: u64,
    /// Number of `KVM_EXIT_MMIO` exits.
    pub mmio_exits: u64,
    /// The registers after the guest halted.
    pub regs: kvm_regs,
}

/// The reason that a run failed.
#[derive(Debug)]
pub enum RunError {
    /// `/dev/kvm` could not be opened; the error names the device and the reason.
    Open(io::Error),
    /// The program is empty.
    Empty,
    /// The program does not fit in guest memory above [`LOAD_ADDRESS`].
    TooLarge(usize),
    /// An ioctl or mapping failed.
    Kvm(&'static str, io::Error),
    /// The guest stopped in a way this VMM does not handle.
    Guest(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Open(error) => write!(f, "{error}"),
            RunError::Empty => f.write_str("the program is empty; give a flat 16-bit binary of at least one instruction"),
            RunError::TooLarge(len) => write!(
                f,
                "the program is {len} bytes, more than the {} bytes of guest memory above {LOAD_ADDRESS:#x}",
                MEMORY_SIZE - LOAD_ADDRESS as usize
            ),
            RunError::Kvm(step, error) => write!(f, "{step} failed: {error}"),
            RunError::Guest(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for RunError {}

fn step<T>(name: &'static str, result: io::Result<T>) -> Result<T, RunError> {
    result.map_err(|error| RunError::Kvm(name, error))
}

/// Checks that `program` can be loaded: not empty, and small enough for guest memory.
pub fn check_program(program: &[u8]) -> Result<(), RunError> {
    if program.is_empty() {
        return Err(RunError::Empty);
    }
    if program.len() > MEMORY_SIZE - LOAD_ADDRESS as usize {
        return Err(RunError::TooLarge(program.len()));
    }
    Ok(())
}

/// Boots `program` at [`LOAD_ADDRESS`] in real mode and runs it until it halts, passing
/// each byte written to [`OUTPUT_PORT`] to `on_output`.
// The example calls `run_with_boot`; tests/guest.rs, which includes this file, calls `run`.
#[allow(dead_code)]
pub fn run(program: &[u8], on_output: impl FnMut(u8)) -> Result<Report, RunError> {
    run_with_boot(program, || {}, on_output)
}

/// Like [`run`], and calls `on_boot` once the VM is set up, just before the first
/// `KVM_RUN`.
pub fn run_with_boot(program: &[u8], on_boot: impl FnOnce(), mut on_output: impl FnMut(u8)) -> Result<Report, RunError> {
    check_program(program)?;

    let kvm = Kvm::open().map_err(RunError::Open)?;
    let version = step("KVM_GET_API_VERSION", kvm.api_version())?;
    if version != sev_ioctls::kvm::KVM_API_VERSION {
        return Err(RunError::Guest(format!("KVM API version {version} is not the supported version 12")));
    }
    let vm = step("KVM_CREATE_VM", kvm.create_vm())?;
    step("KVM_SET_TSS_ADDR", KVM_SET_TSS_ADDR.call(&vm, TSS_ADDRESS as std::ffi::c_ulong))?;

    let memory = step("mmap of guest memory", GuestMemory::new(MEMORY_SIZE))?;
    step("copying the program", memory.write_at(LOAD_ADDRESS as usize, program))?;
    let _region = step("KVM_SET_USER_MEMORY_REGION", vm.set_user_memory_region(0, 0, memory, 0))?;

    let vcpu = step("KVM_CREATE_VCPU", KVM_CREATE_VCPU.call(&vm, 0))?;
    let mut vcpu = step("mmap of kvm_run", VcpuRun::new(&kvm, vcpu))?;

    // Real mode with every segment based at 0, so guest addresses are physical ones.
    let mut sregs = step("KVM_GET_SREGS", KVM_GET_SREGS.call(vcpu.vcpu()))?;
    for segment in [&mut sregs.cs, &mut sregs.ds, &mut sregs.es, &mut sregs.fs, &mut sregs.gs, &mut sregs.ss] {
        segment.base = 0;
        segment.selector = 0;
    }
    step("KVM_SET_SREGS", KVM_SET_SREGS.call(vcpu.vcpu(), &sregs))?;
    let regs = kvm_regs {
        rip: LOAD_ADDRESS,
        rsp: 0xf000,
        rflags: 0x2, // bit 1 is reserved and must be set
        ..kvm_regs::default()
    };
    step("KVM_SET_REGS", KVM_SET_REGS.call(vcpu.vcpu(), &regs))?;

    let mut report = Report { output: Vec::new(), io_exits: 0, hlt_exits: 0, mmio_exits: 0, regs };
    on_boot();
    for _ in 0..MAX_EXITS {
        match step("KVM_RUN", vcpu.run())? {
            Exit::Io { direction: IoDirection::Out, port, data, .. } => {
                report.io_exits += 1;
                if port == OUTPUT_PORT {
                    for &byte in data.iter() {
                        report.output.push(byte);
                        on_output(byte);
                    }
                }
            }
            Exit::Io { direction: IoDirection::In, data, .. } => {
                report.io_exits += 1;
                // No device responds, so reads of an unbacked port return all ones, as on a PC.
                data.fill(0xff);
            }
            Exit::Mmio { data, is_write, .. } => {
                report.mmio_exits += 1;
                if !is_write {
                    data.fill(0xff);
                }
            }
            Exit::Hlt => {
                report.hlt_exits += 1;
                report.regs = step("KVM_GET_REGS", KVM_GET_REGS.call(vcpu.vcpu()))?;
                return Ok(report);
            }
            Exit::Shutdown => return Err(RunError::Guest("the guest triple-faulted (KVM_EXIT_SHUTDOWN)".into())),
            Exit::FailEntry { reason, cpu } => {
                return Err(RunError::Guest(format!(
                    "the CPU refused to enter the guest (KVM_EXIT_FAIL_ENTRY, reason {reason:#x}, host CPU {cpu})"
                )))
            }
            Exit::InternalError { suberror } => {
                return Err(RunError::Guest(format!("KVM could not handle an exit (KVM_EXIT_INTERNAL_ERROR, suberror {suberror})")))
            }
            Exit::Other(reason) => {
                return Err(RunError::Guest(format!("unhandled exit reason {reason} (KVM_EXIT_* in linux/kvm.h)")))
            }
        }
    }
    Err(RunError::Guest(format!("the guest did not halt within {MAX_EXITS} exits")))
}
