//! The kernel interface of seccomp user notification: structs, constants, the listener's
//! ioctls, and the BPF filter that sends a thread's `ioctl` calls on chosen descriptor
//! numbers to the listener.
//!
//! Every value here mirrors `linux/seccomp.h`, `linux/filter.h`, `linux/audit.h` and
//! `asm/unistd.h`. The header test compiles a probe generated from these declarations with
//! gcc, and compares each size, offset, request number and constant.

// Names follow the C headers, which document them.
#![allow(non_camel_case_types)]

use std::fmt;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use ioctl_core::{ioctl, AnyBitPattern, StructLayout};

/// `struct seccomp_data`: the system call that a filter or a notification describes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub(crate) struct seccomp_data {
    pub nr: i32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

/// `struct seccomp_notif`: one intercepted system call, filled by `SECCOMP_IOCTL_NOTIF_RECV`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub(crate) struct seccomp_notif {
    pub id: u64,
    pub pid: u32,
    pub flags: u32,
    pub data: seccomp_data,
}

/// `struct seccomp_notif_resp`: the response to one notification.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub(crate) struct seccomp_notif_resp {
    pub id: u64,
    pub val: i64,
    pub error: i32,
    pub flags: u32,
}

/// `struct seccomp_notif_addfd`: a descriptor to install in the notifying task.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, AnyBitPattern, StructLayout)]
pub(crate) struct seccomp_notif_addfd {
    pub id: u64,
    pub flags: u32,
    pub srcfd: u32,
    pub newfd: u32,
    pub newfd_flags: u32,
}

/// `struct sock_filter`: one classic BPF instruction.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, StructLayout)]
pub(crate) struct sock_filter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// `struct sock_fprog`: a BPF program, as `seccomp(2)` takes it.
#[repr(C)]
#[derive(StructLayout)]
pub(crate) struct sock_fprog {
    pub len: u16,
    pub filter: *const sock_filter,
}

ioctl! {
    // SAFETY: each line matches linux/seccomp.h. `SECCOMP_IOCTL_NOTIF_RECV` is
    // `_IOWR('!', 0, struct seccomp_notif)` and fills the struct. `SECCOMP_IOCTL_NOTIF_SEND`
    // is `_IOWR('!', 1, struct seccomp_notif_resp)` and only reads it.
    // `SECCOMP_IOCTL_NOTIF_ID_VALID` is `_IOW('!', 2, __u64)`. `SECCOMP_IOCTL_NOTIF_ADDFD`
    // is `_IOW('!', 3, struct seccomp_notif_addfd)` and returns the descriptor number that
    // it installed in the notifying task. The task's system call owns that number, not the
    // caller of ADDFD, hence `-> count`. All four apply to a listener descriptor only.
    unsafe {
        group b'!';
        pub(crate) table SECCOMP_IOCTLS;

        /// A seccomp notification listener, as returned by `seccomp(2)` with
        /// `SECCOMP_FILTER_FLAG_NEW_LISTENER`.
        pub(crate) fd Listener;

        pub(crate) readwrite SECCOMP_IOCTL_NOTIF_RECV = 0 => seccomp_notif on Listener -> zero;
        pub(crate) readwrite SECCOMP_IOCTL_NOTIF_SEND = 1 => seccomp_notif_resp on Listener -> zero;
        pub(crate) write SECCOMP_IOCTL_NOTIF_ID_VALID = 2 => u64 on Listener -> zero;
        pub(crate) write SECCOMP_IOCTL_NOTIF_ADDFD = 3 => seccomp_notif_addfd on Listener -> count;
    }
}

pub(crate) const SECCOMP_SET_MODE_FILTER: u32 = 1;
pub(crate) const SECCOMP_FILTER_FLAG_NEW_LISTENER: u64 = 1 << 3;
pub(crate) const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: u64 = 1 << 5;
pub(crate) const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
pub(crate) const SECCOMP_RET_USER_NOTIF: u32 = 0x7fc0_0000;
pub(crate) const SECCOMP_USER_NOTIF_FLAG_CONTINUE: u32 = 1 << 0;
pub(crate) const SECCOMP_ADDFD_FLAG_SETFD: u32 = 1 << 0;
pub(crate) const SECCOMP_ADDFD_FLAG_SEND: u32 = 1 << 1;

pub(crate) const BPF_LD: u16 = 0x00;
pub(crate) const BPF_W: u16 = 0x00;
pub(crate) const BPF_ABS: u16 = 0x20;
pub(crate) const BPF_JMP: u16 = 0x05;
pub(crate) const BPF_JEQ: u16 = 0x10;
pub(crate) const BPF_K: u16 = 0x00;
pub(crate) const BPF_RET: u16 = 0x06;

pub(crate) const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
pub(crate) const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;

/// The architecture that the filter accepts and the number of `ioctl` in its system-call
/// table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SyscallAbi {
    pub audit_arch: u32,
    pub ioctl_nr: u32,
}

impl SyscallAbi {
    /// The ABI of x86_64 with 64-bit pointers, where `ioctl` is system call 16.
    pub(crate) const X86_64: SyscallAbi = SyscallAbi { audit_arch: AUDIT_ARCH_X86_64, ioctl_nr: 16 };
    /// The ABI of little-endian aarch64, where `ioctl` is system call 29.
    pub(crate) const AARCH64: SyscallAbi = SyscallAbi { audit_arch: AUDIT_ARCH_AARCH64, ioctl_nr: 29 };

    /// Returns the ABI of the compilation target, or an error that names the target when
    /// the fake does not support it.
    pub(crate) fn native() -> io::Result<SyscallAbi> {
        if cfg!(all(target_os = "linux", target_arch = "x86_64", target_pointer_width = "64")) {
            Ok(SyscallAbi::X86_64)
        } else if cfg!(all(target_os = "linux", target_arch = "aarch64", target_endian = "little")) {
            Ok(SyscallAbi::AARCH64)
        } else {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "ioctl-fake builds seccomp filters for Linux x86_64 and little-endian aarch64 only, not for {} {}",
                    std::env::consts::OS,
                    std::env::consts::ARCH
                ),
            ))
        }
    }
}

/// Offsets into `struct seccomp_data` that the filter loads.
const OFFSET_NR: u32 = core::mem::offset_of!(seccomp_data, nr) as u32;
const OFFSET_ARCH: u32 = core::mem::offset_of!(seccomp_data, arch) as u32;
/// The low 32 bits of `args[0]` on a little-endian target: the kernel reads an ioctl's
/// descriptor as `unsigned int`, so the high half does not matter.
const OFFSET_FD: u32 = core::mem::offset_of!(seccomp_data, args) as u32;

/// The maximum count of descriptor numbers that one filter compares. Each comparison jumps
/// over the rest, and a classic BPF jump offset is 8 bits wide.
pub(crate) const MAX_FILTER_FDS: usize = 250;

const fn statement(code: u16, k: u32) -> sock_filter {
    sock_filter { code, jt: 0, jf: 0, k }
}

const fn jump_if_equal(k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code: BPF_JMP | BPF_JEQ | BPF_K, jt, jf, k }
}

/// Builds the program that returns `SECCOMP_RET_USER_NOTIF` for an `ioctl` of `abi` whose
/// descriptor is one of `fds`, and `SECCOMP_RET_ALLOW` for every other system call.
///
/// A system call of another architecture (such as a 32-bit `int 0x80` call on x86_64) is
/// allowed: its numbers differ, and the code under test does not issue it.
pub(crate) fn ioctl_filter(abi: SyscallAbi, fds: &[RawFd]) -> io::Result<Vec<sock_filter>> {
    if fds.is_empty() || fds.len() > MAX_FILTER_FDS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a fake intercepts between 1 and {MAX_FILTER_FDS} descriptor numbers, not {}; split the script into several fakes",
                fds.len()
            ),
        ));
    }
    let count = fds.len();
    // Instruction indexes: 0 load arch, 1 compare arch, 2 load nr, 3 compare nr,
    // 4 load fd, 5.. compare each fd, then ALLOW at 5 + count and NOTIFY after it.
    let allow = 5 + count;
    let notify = allow + 1;
    let mut program = Vec::with_capacity(notify + 1);
    program.push(statement(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH));
    program.push(jump_if_equal(abi.audit_arch, 0, jump(1, allow)));
    program.push(statement(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR));
    program.push(jump_if_equal(abi.ioctl_nr, 0, jump(3, allow)));
    program.push(statement(BPF_LD | BPF_W | BPF_ABS, OFFSET_FD));
    for (position, &fd) in fds.iter().enumerate() {
        let index = 5 + position;
        program.push(jump_if_equal(fd as u32, jump(index, notify), 0));
    }
    program.push(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    program.push(statement(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
    Ok(program)
}

/// Returns the jump offset from instruction `from` to instruction `to`, counted from the
/// instruction after `from` as BPF counts it. [`MAX_FILTER_FDS`] keeps it within 8 bits.
fn jump(from: usize, to: usize) -> u8 {
    u8::try_from(to - from - 1).expect("MAX_FILTER_FDS keeps every jump within 8 bits")
}

/// The failure to install the filter: the failed step, its error and a hint.
#[derive(Debug)]
pub(crate) struct InstallError {
    step: &'static str,
    source: io::Error,
    hint: &'static str,
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot install the fake's seccomp filter: {} failed: {}{}", self.step, self.source, self.hint)
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl From<InstallError> for io::Error {
    fn from(error: InstallError) -> io::Error {
        io::Error::new(error.source.kind(), error)
    }
}

/// Installs `program` on the calling thread, after setting its no-new-privileges flag, and
/// returns the notification listener.
///
/// With `require_wait_killable`, a kernel without `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`
/// (before Linux 5.19) is an error; without it, the filter is installed without the flag
/// on such a kernel.
pub(crate) fn install(program: &[sock_filter], require_wait_killable: bool) -> Result<Listener, InstallError> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes an integer and affects only the calling thread and
    // the tasks it creates later.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(InstallError {
            step: "prctl(PR_SET_NO_NEW_PRIVS)",
            source: io::Error::last_os_error(),
            hint: "",
        });
    }
    let fprog = sock_fprog {
        len: u16::try_from(program.len()).expect("ioctl_filter builds at most 257 instructions"),
        filter: program.as_ptr(),
    };
    let with_killable = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    match seccomp_filter(with_killable, &fprog) {
        Ok(listener) => return Ok(listener),
        Err(error) if error.raw_os_error() == Some(libc::EINVAL) && !require_wait_killable => {}
        Err(error) => return Err(seccomp_error(error, require_wait_killable)),
    }
    match seccomp_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog) {
        Ok(listener) => Ok(listener),
        Err(error) => Err(seccomp_error(error, false)),
    }
}

fn seccomp_filter(flags: u64, fprog: &sock_fprog) -> io::Result<Listener> {
    // SAFETY: `fprog` points to a program that outlives the call; the kernel copies it.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER as libc::c_ulong,
            flags as libc::c_ulong,
            fprog as *const sock_fprog,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = RawFd::try_from(ret).expect("a descriptor number fits an int");
    // SAFETY: with SECCOMP_FILTER_FLAG_NEW_LISTENER, a successful seccomp(2) returns a new
    // listener descriptor that nothing else owns.
    Ok(unsafe { Listener::from_fd_unchecked(OwnedFd::from_raw_fd(fd)) })
}

fn seccomp_error(source: io::Error, required_wait_killable: bool) -> InstallError {
    let hint = match source.raw_os_error() {
        Some(libc::EINVAL) if required_wait_killable => {
            "; the script writes into the caller's memory, which needs SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19 or later) so that a signal cannot end the call while the fake writes"
        }
        Some(libc::EINVAL) => "; seccomp user notification needs Linux 5.0 or later",
        Some(libc::EBUSY) => {
            "; this thread already has a filter with a notification listener: a fake cannot run inside another fake's `run`, nor under a supervisor that uses seccomp user notification"
        }
        Some(libc::ENOSYS) => "; the kernel was built without CONFIG_SECCOMP_FILTER",
        Some(libc::EACCES) | Some(libc::EPERM) => "; a seccomp policy or security module forbids installing filters",
        _ => "",
    };
    InstallError { step: "seccomp(SECCOMP_SET_MODE_FILTER)", source, hint }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_layout_for_two_fds() {
        let program = ioctl_filter(SyscallAbi::X86_64, &[7, 9]).unwrap();
        assert_eq!(program.len(), 9);
        assert_eq!(program[0], statement(BPF_LD | BPF_W | BPF_ABS, 4));
        assert_eq!(program[1], jump_if_equal(AUDIT_ARCH_X86_64, 0, 5), "wrong arch jumps to ALLOW");
        assert_eq!(program[2], statement(BPF_LD | BPF_W | BPF_ABS, 0));
        assert_eq!(program[3], jump_if_equal(16, 0, 3), "another system call jumps to ALLOW");
        assert_eq!(program[4], statement(BPF_LD | BPF_W | BPF_ABS, 16));
        assert_eq!(program[5], jump_if_equal(7, 2, 0), "fd 7 jumps to NOTIFY");
        assert_eq!(program[6], jump_if_equal(9, 1, 0), "fd 9 jumps to NOTIFY");
        assert_eq!(program[7], statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        assert_eq!(program[8], statement(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
    }

    #[test]
    fn filter_jumps_stay_in_range() {
        let fds: Vec<RawFd> = (0..MAX_FILTER_FDS as RawFd).collect();
        let program = ioctl_filter(SyscallAbi::AARCH64, &fds).unwrap();
        assert_eq!(program.len(), MAX_FILTER_FDS + 7);
        assert_eq!(program[1].jf as usize, MAX_FILTER_FDS + 3);
        assert_eq!(program[3].k, 29, "ioctl is system call 29 on aarch64");
        assert_eq!(program[5].jt as usize, MAX_FILTER_FDS, "the first fd jumps over all others and ALLOW");
    }

    #[test]
    fn filter_rejects_empty_and_oversized_lists() {
        let error = ioctl_filter(SyscallAbi::X86_64, &[]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        let fds: Vec<RawFd> = (0..=MAX_FILTER_FDS as RawFd).collect();
        let error = ioctl_filter(SyscallAbi::X86_64, &fds).unwrap_err();
        assert!(error.to_string().contains("251"), "{error}");
    }

    #[test]
    fn declarations_match_headers() {
        let mut probe = crate::probe::Probe::new(
            "seccomp",
            &["linux/seccomp.h", "linux/filter.h", "linux/audit.h", "asm/unistd.h"],
        );
        probe.ioctls(SECCOMP_IOCTLS);
        probe.layout::<seccomp_data>("struct seccomp_data");
        probe.layout::<seccomp_notif>("struct seccomp_notif");
        probe.layout::<seccomp_notif_resp>("struct seccomp_notif_resp");
        probe.layout::<seccomp_notif_addfd>("struct seccomp_notif_addfd");
        probe.layout::<sock_filter>("struct sock_filter");
        probe.layout::<sock_fprog>("struct sock_fprog");
        probe.constant("SECCOMP_SET_MODE_FILTER", SECCOMP_SET_MODE_FILTER.into());
        probe.constant("SECCOMP_FILTER_FLAG_NEW_LISTENER", SECCOMP_FILTER_FLAG_NEW_LISTENER);
        probe.constant("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
        probe.constant("SECCOMP_RET_ALLOW", SECCOMP_RET_ALLOW.into());
        probe.constant("SECCOMP_RET_USER_NOTIF", SECCOMP_RET_USER_NOTIF.into());
        probe.constant("SECCOMP_USER_NOTIF_FLAG_CONTINUE", SECCOMP_USER_NOTIF_FLAG_CONTINUE.into());
        probe.constant("SECCOMP_ADDFD_FLAG_SETFD", SECCOMP_ADDFD_FLAG_SETFD.into());
        probe.constant("SECCOMP_ADDFD_FLAG_SEND", SECCOMP_ADDFD_FLAG_SEND.into());
        for (name, value) in [
            ("BPF_LD", BPF_LD),
            ("BPF_W", BPF_W),
            ("BPF_ABS", BPF_ABS),
            ("BPF_JMP", BPF_JMP),
            ("BPF_JEQ", BPF_JEQ),
            ("BPF_K", BPF_K),
            ("BPF_RET", BPF_RET),
        ] {
            probe.constant(name, value.into());
        }
        probe.constant("AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64.into());
        probe.constant("AUDIT_ARCH_AARCH64", AUDIT_ARCH_AARCH64.into());
        // The filter's offsets, and the host's ioctl system-call number.
        probe.value("offset of nr", "offsetof(struct seccomp_data, nr)", OFFSET_NR.into());
        probe.value("offset of arch", "offsetof(struct seccomp_data, arch)", OFFSET_ARCH.into());
        probe.value("offset of args[0]", "offsetof(struct seccomp_data, args[0])", OFFSET_FD.into());
        probe.value("__NR_ioctl", "__NR_ioctl", SyscallAbi::native().unwrap().ioctl_nr.into());

        let mismatches = probe.mismatches();
        assert!(mismatches.is_empty(), "declarations differ from the headers:\n{}", mismatches.join("\n"));
    }

    #[test]
    fn native_abi_matches_libc() {
        let abi = SyscallAbi::native().unwrap();
        assert_eq!(abi.ioctl_nr as libc::c_long, libc::SYS_ioctl);
    }
}
