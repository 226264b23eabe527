//! Code under test calls its ioctls through the real system call, and the fake serves
//! them: each argument kind, return values, errors, descriptors, unexpected calls, the
//! payload bound, and threads that the fake must leave alone.
//!
//! The declarations mirror linux/kvm.h, linux/psp-sev.h and asm-generic/ioctls.h; the
//! header test at the end compares them with what gcc computes.

#![allow(non_camel_case_types)]

mod common;

use std::ffi::c_ulong;
use std::num::TryFromIntError;
use std::io::{self, Read as _, Write as _};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use common::probe::Probe;
use ioctl_core::{ioctl, AnyBitPattern, Flex, FlexHeader, Handle, StructLayout};
use ioctl_fake::{Call, Device, FakeDevice, Reply, Script, ScriptError};

/// `struct kvm_regs` (x86_64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct kvm_regs {
    rax: u64,
    rbx: u64,
    rcx: u64,
    rdx: u64,
    rsi: u64,
    rdi: u64,
    rsp: u64,
    rbp: u64,
    r8: u64,
    r9: u64,
    r10: u64,
    r11: u64,
    r12: u64,
    r13: u64,
    r14: u64,
    r15: u64,
    rip: u64,
    rflags: u64,
}

/// `struct kvm_sev_cmd`: the argument of `KVM_MEMORY_ENCRYPT_OP`; `data` points to the
/// sub-command's struct.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct kvm_sev_cmd {
    id: u32,
    data: u64,
    error: u32,
    sev_fd: u32,
}

/// `struct kvm_sev_launch_measure`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct kvm_sev_launch_measure {
    uaddr: u64,
    len: u32,
}

/// `struct sev_issue_cmd`: the argument of `SEV_ISSUE_CMD`; `data` points to the
/// command's struct.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct sev_issue_cmd {
    cmd: u32,
    data: u64,
    error: u32,
}

/// `struct sev_user_data_status`: what `SEV_PLATFORM_STATUS` writes.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct sev_user_data_status {
    api_major: u8,
    api_minor: u8,
    state: u8,
    flags: u32,
    build: u8,
    guest_count: u32,
}

/// `struct kvm_msr_list` without its `indices[]` member.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct kvm_msr_list {
    nmsrs: u32,
}

// SAFETY: in `struct kvm_msr_list`, `__u32 indices[]` follows `__u32 nmsrs` at offset 4,
// and the kernel reads `nmsrs` as the number of indices.
unsafe impl FlexHeader for kvm_msr_list {
    type Element = u32;

    fn len(&self) -> usize {
        self.nmsrs as usize
    }

    fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
        self.nmsrs = len.try_into()?;
        Ok(())
    }
}

/// `struct kvm_signal_mask` without its `sigset[]` member.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern, StructLayout)]
struct kvm_signal_mask {
    len: u32,
}

// SAFETY: in `struct kvm_signal_mask`, `__u8 sigset[]` follows `__u32 len` at offset 4,
// and the kernel reads `len` as the number of bytes.
unsafe impl FlexHeader for kvm_signal_mask {
    type Element = u8;

    fn len(&self) -> usize {
        self.len as usize
    }

    fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError> {
        self.len = len.try_into()?;
        Ok(())
    }
}

const KVM_CAP_IRQCHIP: c_ulong = 0;
const KVM_SEV_LAUNCH_MEASURE: u32 = 6;
const SEV_PLATFORM_STATUS: u32 = 1;
const SEV_RET_INVALID_LEN: u32 = 4;

ioctl! {
    // SAFETY: each line matches linux/kvm.h (x86_64). KVM_GET_API_VERSION is
    // `_IO(KVMIO, 0x00)`. KVM_CREATE_VM is `_IO(KVMIO, 0x01)` and returns a VM fd.
    // KVM_GET_MSR_INDEX_LIST is `_IOWR(KVMIO, 0x02, struct kvm_msr_list)` and writes at most
    // the counted indices. KVM_CHECK_EXTENSION is `_IO(KVMIO, 0x03)`. KVM_SET_SIGNAL_MASK is
    // `_IOW(KVMIO, 0x8b, struct kvm_signal_mask)`. KVM_CREATE_VCPU is `_IO(KVMIO, 0x41)` and
    // returns a vCPU fd. KVM_GET_REGS is `_IOR(KVMIO, 0x81, struct kvm_regs)` and KVM_SET_REGS
    // `_IOW(KVMIO, 0x82, struct kvm_regs)`. KVM_MEMORY_ENCRYPT_OP is
    // `_IOWR(KVMIO, 0xba, unsigned long)` and takes a `struct kvm_sev_cmd`.
    // KVM_GET_STATS_FD is `_IO(KVMIO, 0xce)` and returns a new fd.
    unsafe {
        group 0xAE;
        table KVM_IOCTLS;
        fd Kvm = "/dev/kvm";
        fd Vm;
        fd Vcpu;
        none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
        none KVM_CREATE_VM = 0x01 (c_ulong) on Kvm -> Vm;
        readwrite KVM_GET_MSR_INDEX_LIST = 0x02 => kvm_msr_list[] on Kvm -> zero;
        none KVM_CHECK_EXTENSION = 0x03 (c_ulong) on Kvm -> count;
        none KVM_CREATE_VCPU = 0x41 (c_ulong) on Vm -> Vcpu;
        read KVM_GET_REGS = 0x81 => kvm_regs on Vcpu;
        write KVM_SET_REGS = 0x82 => kvm_regs on Vcpu -> zero;
        write KVM_SET_SIGNAL_MASK = 0x8B => kvm_signal_mask[] on Vcpu -> zero;
        readwrite KVM_MEMORY_ENCRYPT_OP = 0xBA => kvm_sev_cmd size c_ulong on Vm -> zero;
        none KVM_GET_STATS_FD = 0xCE on Vm -> fd;
    }
}

ioctl! {
    // SAFETY: SEV_ISSUE_CMD is `_IOWR('S', 0x0, struct sev_issue_cmd)` in linux/psp-sev.h,
    // on /dev/sev.
    unsafe {
        group b'S';
        table SEV_IOCTLS;
        fd Sev = "/dev/sev";
        readwrite SEV_ISSUE_CMD = 0x00 => sev_issue_cmd on Sev -> zero;
    }
}

ioctl! {
    // SAFETY: FIONREAD is 0x541B in asm-generic/ioctls.h, writes an int, and applies to
    // any descriptor.
    unsafe {
        table GENERIC_IOCTLS;
        read FIONREAD = raw 0x541B => i32;
    }
}

const VM: Device = Device::new("vm");
const VCPU: Device = Device::new("vcpu");

/// Takes the fake descriptor of `device` as a typed handle.
fn take<H: Handle>(fake: &mut FakeDevice, device: Device) -> H {
    let fd = fake.take_fd(device).expect("the script names the device");
    // SAFETY: within `run`, the fake serves each ioctl declared on `H` in this file as that
    // declaration states, because every script here is built from the same declarations.
    unsafe { H::from_fd_unchecked(fd) }
}

fn regs_sample() -> kvm_regs {
    kvm_regs { rax: 1, rbx: 2, rsp: 0x8000, rip: 0x1000, rflags: 0x2, ..kvm_regs::default() }
}

fn errno(result: io::Result<impl std::fmt::Debug>) -> Option<i32> {
    result.expect_err("the call fails").raw_os_error()
}

#[test]
fn none_ioctl_returns_value() {
    let mut fake = FakeDevice::new(Script::new().expect(KVM_GET_API_VERSION).returns(12)).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let version = fake.run(|| KVM_GET_API_VERSION.call(&kvm)).unwrap();

    assert_eq!(version.unwrap(), 12);
    let calls = fake.finish().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].device, Some(Device::MAIN));
    assert_eq!(calls[0].fd, kvm.as_raw_fd());
    assert_eq!(calls[0].request, KVM_GET_API_VERSION.request());
    assert_eq!(calls[0].argument, 0);
    assert_eq!(calls[0].reply, Reply::Returned(12));
    assert_eq!(calls[0].expectation, Some(0));
}

#[test]
fn read_ioctl_returns_scripted_payload() {
    let regs = regs_sample();
    let script = Script::new().expect(KVM_GET_REGS).named("KVM_GET_REGS").writes(&regs).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    let read = fake.run(|| KVM_GET_REGS.call(&vcpu)).unwrap();

    assert_eq!(read.unwrap(), regs);
    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].name, Some("KVM_GET_REGS"));
    assert!(calls[0].input.is_empty(), "a read ioctl sends no payload");
}

#[test]
fn read_reply_prefix_leaves_rest() {
    let script = Script::new().expect(KVM_GET_REGS).writes_bytes(&7u64.to_ne_bytes()).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    let read = fake.run(|| KVM_GET_REGS.call(&vcpu)).unwrap().unwrap();

    assert_eq!(read.rax, 7);
    assert_eq!(read, kvm_regs { rax: 7, ..kvm_regs::default() }, "the call's zeroed buffer keeps the rest");
    fake.finish().unwrap();
}

#[test]
fn write_ioctl_input_checked() {
    let regs = regs_sample();
    let script = Script::new().expect(KVM_SET_REGS).with_input_equal(regs).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    fake.run(|| KVM_SET_REGS.call(&vcpu, &regs)).unwrap().unwrap();

    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].input.len(), size_of::<kvm_regs>());
    assert_eq!(calls[0].input_as::<kvm_regs>(), regs);
}

#[test]
fn write_ioctl_wrong_input_rejected() {
    let script = Script::new().expect(KVM_SET_REGS).with_input_equal(regs_sample()).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);
    let other = kvm_regs { rip: 0x2000, ..regs_sample() };

    let result = fake.run(|| KVM_SET_REGS.call(&vcpu, &other)).unwrap();

    assert_eq!(errno(result), Some(libc::ENOTTY));
    let error = fake.finish().unwrap_err();
    let problem = error.problems().next().expect("the call is a problem").problem().unwrap().to_string();
    assert!(problem.contains("rip: 8192"), "{problem}");
    assert!(problem.contains("expected"), "{problem}");
    assert_eq!(error.calls()[0].input_as::<kvm_regs>(), other, "the record keeps what was sent");
    assert_eq!(error.unmet().len(), 1, "{error}");
}

#[test]
fn readwrite_ioctl_updates_payload() {
    let script = Script::new()
        .expect(KVM_MEMORY_ENCRYPT_OP)
        .on(VM)
        .with_input(|cmd| cmd.id == KVM_SEV_LAUNCH_MEASURE)
        .with_input_through(|cmd| cmd.data, |measure: &kvm_sev_launch_measure| measure.len == 0);
    // SAFETY: the input checks accept only LAUNCH_MEASURE commands, whose `data` points to
    // a `kvm_sev_launch_measure` that the caller passes for the kernel to write.
    let script = unsafe { script.writes_through(|cmd| cmd.data, &kvm_sev_launch_measure { uaddr: 0, len: 48 }) }
        .updates(|cmd| cmd.error = SEV_RET_INVALID_LEN)
        .fails(libc::EIO);
    let mut fake = FakeDevice::new(script).unwrap();
    let vm: Vm = take(&mut fake, VM);

    // The code under test requests the measurement's length, as a VMM does first.
    let (result, cmd, measure) = fake
        .run(|| {
            let mut measure = kvm_sev_launch_measure::default();
            let mut cmd = kvm_sev_cmd {
                id: KVM_SEV_LAUNCH_MEASURE,
                data: &raw mut measure as u64,
                error: 0,
                sev_fd: 9,
            };
            let result = KVM_MEMORY_ENCRYPT_OP.call(&vm, &mut cmd);
            (result, cmd, measure)
        })
        .unwrap();

    assert_eq!(errno(result), Some(libc::EIO));
    assert_eq!(cmd.error, SEV_RET_INVALID_LEN, "the firmware error reaches the payload");
    assert_eq!(cmd.id, KVM_SEV_LAUNCH_MEASURE, "updates keeps the fields it does not change");
    assert_eq!(cmd.sev_fd, 9);
    assert_eq!(measure.len, 48, "written through the payload's address");
    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].reply, Reply::Failed(libc::EIO));
    assert_eq!(calls[0].input_as::<kvm_sev_cmd>().error, 0, "the record keeps the input");
}

#[test]
fn reply_bounded_by_payload_type() {
    // The number encodes 8 bytes (`unsigned long`), but the payload is 24.
    assert_eq!(KVM_MEMORY_ENCRYPT_OP.decode().size, 8);
    assert_eq!(size_of::<kvm_sev_cmd>(), 24);
    let reply = kvm_sev_cmd { id: 1, data: 2, error: 3, sev_fd: 4 };
    let script = Script::new().expect(KVM_MEMORY_ENCRYPT_OP).writes(&reply).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vm: Vm = take(&mut fake, Device::MAIN);

    #[repr(C)]
    struct Guarded {
        payload: kvm_sev_cmd,
        guard: [u8; 16],
    }
    let guarded = fake
        .run(|| {
            let mut guarded = Guarded { payload: kvm_sev_cmd::default(), guard: [0x5A; 16] };
            // Through the C library, with a pointer into a larger object.
            // SAFETY: the argument points to a live `kvm_sev_cmd`, which the fake may write.
            let ret = unsafe {
                libc::ioctl(vm.as_raw_fd(), KVM_MEMORY_ENCRYPT_OP.request() as _, &raw mut guarded.payload)
            };
            assert_eq!(ret, 0);
            guarded
        })
        .unwrap();

    assert_eq!(guarded.payload, reply);
    assert_eq!(guarded.guard, [0x5A; 16], "nothing is written after the payload");
    fake.finish().unwrap();
}

#[test]
fn unwritable_argument_reported() {
    let script = Script::new().expect(KVM_GET_REGS).writes(&regs_sample()).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    let ret = fake
        .run(|| {
            // SAFETY: a null argument makes the kernel fail the copy; nothing is written.
            let ret = unsafe { libc::ioctl(vcpu.as_raw_fd(), KVM_GET_REGS.request() as _, std::ptr::null_mut::<u8>()) };
            (ret, io::Error::last_os_error().raw_os_error())
        })
        .unwrap();

    assert_eq!(ret, (-1, Some(libc::EFAULT)), "as from a driver whose copy failed");
    let error = fake.finish().unwrap_err();
    let reply = &error.calls()[0].reply;
    assert!(
        matches!(reply, Reply::Undelivered { errno: Some(libc::EFAULT), reason } if reason.contains("cannot write the 144-byte reply at 0x0")),
        "{reply:?}"
    );
}

#[test]
fn oversized_reply_rejected() {
    let script = Script::new().expect(KVM_GET_REGS).writes_bytes(&[0xAA; 145]).succeeds();

    let error = FakeDevice::new(script).unwrap_err();

    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    let problems = ScriptError::from_io(&error).expect("a script error").problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("145 bytes"), "{}", problems[0]);
    assert!(problems[0].contains("holds 144"), "{}", problems[0]);

    let exact = Script::new().expect(KVM_GET_REGS).writes_bytes(&[0xAA; 144]).succeeds();
    FakeDevice::new(exact).unwrap();
    let over_type = Script::new().expect(KVM_MEMORY_ENCRYPT_OP).writes_bytes(&[0; 25]).succeeds();
    assert!(FakeDevice::new(over_type).is_err(), "the payload type bounds the reply");
    let within_type = Script::new().expect(KVM_MEMORY_ENCRYPT_OP).writes_bytes(&[0; 24]).succeeds();
    FakeDevice::new(within_type).expect("24 bytes fit although the number encodes 8");
}

#[test]
fn described_write_needs_read_kind() {
    let set_regs = KVM_IOCTLS.iter().find(|info| info.name == "KVM_SET_REGS").unwrap();
    // SAFETY: the entry comes from this file's `ioctl!` table.
    let script = unsafe { Script::new().expect_info(set_regs).writes_bytes_unchecked(&[1]) }.succeeds();

    let error = FakeDevice::new(script).unwrap_err();

    let problems = ScriptError::from_io(&error).unwrap().problems();
    assert!(problems[0].contains("KVM_SET_REGS"), "{}", problems[0]);
    assert!(problems[0].contains("`write`"), "{}", problems[0]);
}

#[test]
fn described_expectation_served() {
    let get_regs = KVM_IOCTLS.iter().find(|info| info.name == "KVM_GET_REGS").unwrap();
    let regs = regs_sample();
    let bytes: Vec<u8> = [regs.rax, regs.rbx].iter().flat_map(|value| value.to_ne_bytes()).collect();
    // SAFETY: the entry comes from this file's `ioctl!` table.
    let script = unsafe { Script::new().expect_info(get_regs).writes_bytes_unchecked(&bytes) }.succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    let read = fake.run(|| KVM_GET_REGS.call(&vcpu)).unwrap().unwrap();

    assert_eq!((read.rax, read.rbx, read.rip), (1, 2, 0));
    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].name, Some("KVM_GET_REGS"));
}

#[test]
fn flex_grow_and_retry() {
    let indices = [0x10, 0x174, 0x175];
    let script = Script::new()
        .expect(KVM_GET_MSR_INDEX_LIST)
        .with_elements(|header, _| header.nmsrs == 0)
        .writes(&kvm_msr_list { nmsrs: 3 })
        .fails(libc::E2BIG)
        .expect(KVM_GET_MSR_INDEX_LIST)
        .with_elements(|header, room| header.nmsrs == 3 && room.len() == 3)
        .writes_elements(&kvm_msr_list { nmsrs: 3 }, &indices)
        .succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    // The code under test calls with no room, reads the needed count, and calls again.
    let read = fake
        .run(|| -> io::Result<Vec<u32>> {
            let mut list = Flex::<kvm_msr_list>::with_capacity(0)?;
            let error = KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut list).unwrap_err();
            assert_eq!(error.raw_os_error(), Some(libc::E2BIG));
            let mut list = Flex::<kvm_msr_list>::with_capacity(list.header().len())?;
            KVM_GET_MSR_INDEX_LIST.call(&kvm, &mut list)?;
            Ok(list.elements().to_vec())
        })
        .unwrap()
        .unwrap();

    assert_eq!(read, indices);
    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].input.len(), 4, "the first call sends the header only");
    assert_eq!(calls[1].input.len(), 16, "the second call sends the header and room for 3");
}

#[test]
fn flex_reply_limited_to_count() {
    let script = Script::new()
        .expect(KVM_GET_MSR_INDEX_LIST)
        .writes_elements(&kvm_msr_list { nmsrs: 5 }, &[1, 2, 3, 4, 5])
        .succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    #[repr(C)]
    struct Guarded {
        nmsrs: u32,
        indices: [u32; 2],
        guard: [u32; 4],
    }
    let guarded = fake
        .run(|| {
            let mut guarded = Guarded { nmsrs: 2, indices: [0; 2], guard: [0xA5A5_A5A5; 4] };
            // SAFETY: the header counts 2 indices, and 2 follow it.
            let ret = unsafe { libc::ioctl(kvm.as_raw_fd(), KVM_GET_MSR_INDEX_LIST.request() as _, &raw mut guarded) };
            assert_eq!(ret, 0);
            guarded
        })
        .unwrap();

    assert_eq!(guarded.nmsrs, 5, "the header carries the scripted count");
    assert_eq!(guarded.indices, [1, 2]);
    assert_eq!(guarded.guard, [0xA5A5_A5A5; 4], "no element past the caller's count is written");
    fake.finish().unwrap();
}

#[test]
fn flex_write_elements_checked() {
    let sigset = [1, 2, 3, 4, 5, 6, 7, 8];
    let script = Script::new()
        .expect(KVM_SET_SIGNAL_MASK)
        .with_elements(move |header, bytes| header.len == 8 && bytes == sigset)
        .succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    fake.run(|| -> io::Result<()> {
        let mask = Flex::from_elements(kvm_signal_mask::default(), &sigset)?;
        KVM_SET_SIGNAL_MASK.call(&vcpu, &mask)
    })
    .unwrap()
    .unwrap();

    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].input.len(), 12);
    assert_eq!(calls[0].input[4..], sigset);
}

#[test]
fn value_argument_matched() {
    let script = Script::new().expect(KVM_CHECK_EXTENSION).with_value(KVM_CAP_IRQCHIP).returns(1);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let (other, irqchip) = fake.run(|| (KVM_CHECK_EXTENSION.call(&kvm, 7), KVM_CHECK_EXTENSION.call(&kvm, 0))).unwrap();

    assert_eq!(errno(other), Some(libc::ENOTTY));
    assert_eq!(irqchip.unwrap(), 1);
    let error = fake.finish().unwrap_err();
    assert!(error.unmet().is_empty(), "{error}");
    let problems: Vec<&Call> = error.problems().collect();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].argument, 7);
    assert!(problems[0].problem().unwrap().contains("expected 0x0"), "{}", problems[0]);
}

#[test]
fn none_ioctl_rejects_nonzero_argument() {
    let mut fake = FakeDevice::new(Script::new().expect(KVM_GET_API_VERSION).returns(12)).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let ret = fake
        .run(|| {
            // SAFETY: the request takes no argument, and the fake reads none.
            unsafe { libc::ioctl(kvm.as_raw_fd(), KVM_GET_API_VERSION.request() as _, 5usize) }
        })
        .unwrap();

    assert_eq!(ret, -1);
    let error = fake.finish().unwrap_err();
    let problem = error.problems().next().unwrap().problem().unwrap().to_string();
    assert!(problem.contains("must pass 0"), "{problem}");
}

#[test]
fn fd_reply_installs_descriptor() {
    let (reader, mut writer) = io::pipe().unwrap();
    writer.write_all(b"stats").unwrap();
    let script = Script::new().expect(KVM_GET_STATS_FD).returns_fd(OwnedFd::from(reader));
    let mut fake = FakeDevice::new(script).unwrap();
    let vm: Vm = take(&mut fake, Device::MAIN);

    let stats = fake.run(|| KVM_GET_STATS_FD.call(&vm)).unwrap().unwrap();

    // SAFETY: F_GETFD only reads the flags of a descriptor that `stats` owns.
    let flags = unsafe { libc::fcntl(stats.as_raw_fd(), libc::F_GETFD) };
    assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    let mut content = [0u8; 5];
    std::fs::File::from(stats.try_clone().unwrap()).read_exact(&mut content).unwrap();
    assert_eq!(&content, b"stats", "the new descriptor refers to the scripted file");
    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].reply, Reply::ReturnedFd(stats.as_raw_fd()));
}

#[test]
fn device_reply_serves_child_calls() {
    let regs = regs_sample();
    let script = Script::new()
        .expect(KVM_CREATE_VM).with_value(0).returns_device(VM)
        .expect(KVM_CREATE_VCPU).on(VM).with_value(0).returns_device(VCPU)
        .expect(KVM_GET_REGS).on(VCPU).writes(&regs).succeeds()
        .expect(KVM_SET_REGS).on(VCPU).with_input(|regs| regs.rip == 0x1000).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    // Unchanged code that walks from /dev/kvm to a vCPU; the VM outlives the first run.
    let (vm, vcpu) = fake
        .run(|| -> io::Result<(Vm, Vcpu)> {
            let vm = KVM_CREATE_VM.call(&kvm, 0)?;
            let vcpu = KVM_CREATE_VCPU.call(&vm, 0)?;
            Ok((vm, vcpu))
        })
        .unwrap()
        .unwrap();
    let read = fake
        .run(|| -> io::Result<kvm_regs> {
            let read = KVM_GET_REGS.call(&vcpu)?;
            KVM_SET_REGS.call(&vcpu, &read)?;
            Ok(read)
        })
        .unwrap()
        .unwrap();

    assert_eq!(read, regs);
    let calls = fake.finish().unwrap();
    let devices: Vec<Option<Device>> = calls.iter().map(|call| call.device).collect();
    assert_eq!(devices, [Some(Device::MAIN), Some(VM), Some(VCPU), Some(VCPU)]);
    assert_eq!(calls[0].reply, Reply::ReturnedFd(vm.as_raw_fd()));
    assert_eq!(calls[1].reply, Reply::ReturnedFd(vcpu.as_raw_fd()));
    assert_eq!(calls[1].fd, vm.as_raw_fd());
}

#[test]
fn errno_reply_after_payload_write() {
    let script = Script::new()
        .expect(SEV_ISSUE_CMD)
        .with_input(|cmd| cmd.cmd == SEV_PLATFORM_STATUS)
        .updates(|cmd| cmd.error = SEV_RET_INVALID_LEN)
        .fails(libc::EIO);
    let mut fake = FakeDevice::new(script).unwrap();
    let sev: Sev = take(&mut fake, Device::MAIN);

    let (result, cmd) = fake
        .run(|| {
            let mut cmd = sev_issue_cmd { cmd: SEV_PLATFORM_STATUS, data: 0, error: 0 };
            (SEV_ISSUE_CMD.call(&sev, &mut cmd), cmd)
        })
        .unwrap();

    assert_eq!(errno(result), Some(libc::EIO));
    assert_eq!({ cmd.error }, SEV_RET_INVALID_LEN);
    fake.finish().unwrap();
}

#[test]
fn eintr_reaches_caller_once() {
    let script = Script::new().expect(KVM_GET_API_VERSION).fails(libc::EINTR);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let result = fake.run(|| KVM_GET_API_VERSION.call(&kvm)).unwrap();

    assert_eq!(errno(result), Some(libc::EINTR));
    // A retry would be a second call, which the script does not expect.
    let calls = fake.finish().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].reply, Reply::Failed(libc::EINTR));
}

#[test]
fn sev_platform_status_through_pointer() {
    let status = sev_user_data_status { api_major: 0, api_minor: 24, state: 1, flags: 0x100, build: 15, guest_count: 2 };
    let script = Script::new().expect(SEV_ISSUE_CMD).with_input(|cmd| cmd.cmd == SEV_PLATFORM_STATUS);
    // SAFETY: the input check accepts only PLATFORM_STATUS commands, whose `data` points to
    // a `sev_user_data_status` that the caller passes for the kernel to write.
    let script = unsafe { script.writes_through(|cmd| cmd.data, &status) }.succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let sev: Sev = take(&mut fake, Device::MAIN);

    // The code under test, as a SEV tool writes it.
    let read = fake
        .run(|| -> io::Result<sev_user_data_status> {
            let mut status = sev_user_data_status::default();
            let mut cmd = sev_issue_cmd { cmd: SEV_PLATFORM_STATUS, data: &raw mut status as u64, error: 0 };
            SEV_ISSUE_CMD.call(&sev, &mut cmd)?;
            Ok(status)
        })
        .unwrap()
        .unwrap();

    assert_eq!(read, status);
    fake.finish().unwrap();
}

#[test]
fn unexpected_request_recorded() {
    let script = Script::new().expect(KVM_GET_API_VERSION).named("KVM_GET_API_VERSION").returns(12);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let (unexpected, expected) =
        fake.run(|| (KVM_CHECK_EXTENSION.call(&kvm, 3), KVM_GET_API_VERSION.call(&kvm))).unwrap();

    assert_eq!(errno(unexpected), Some(libc::ENOTTY));
    assert_eq!(expected.unwrap(), 12, "the unexpected call left the expectation in place");
    let error = fake.finish().unwrap_err();
    assert!(error.unmet().is_empty(), "{error}");
    let call = error.problems().next().unwrap();
    assert_eq!(call.request, KVM_CHECK_EXTENSION.request());
    assert_eq!(call.argument, 3);
    let message = error.to_string();
    assert!(message.contains("the next expected call is KVM_GET_API_VERSION (0x0000ae00) on main"), "{message}");
}

#[test]
fn unexpected_errno_configurable() {
    let script = Script::new().unexpected_errno(libc::EINVAL);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let result = fake.run(|| KVM_GET_API_VERSION.call(&kvm)).unwrap();

    assert_eq!(errno(result), Some(libc::EINVAL));
    let error = fake.finish().unwrap_err();
    let reply = &error.calls()[0].reply;
    assert!(matches!(reply, Reply::Unexpected { errno: libc::EINVAL, reason } if reason.contains("no more calls")), "{reply:?}");
}

#[test]
fn unmet_expectation_fails_finish() {
    let script = Script::new()
        .expect(KVM_GET_API_VERSION).returns(12)
        .expect(KVM_CHECK_EXTENSION).named("KVM_CHECK_EXTENSION").times(2).returns(1);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    fake.run(|| KVM_GET_API_VERSION.call(&kvm)).unwrap().unwrap();

    let error = fake.finish().unwrap_err();
    assert_eq!(error.unmet(), ["expectation 1 (KVM_CHECK_EXTENSION (0x0000ae03) on main): 2 of 2 calls missing"]);
    assert_eq!(error.calls().len(), 1);
    assert_eq!(error.problems().count(), 0);
}

#[test]
fn ordered_script_rejects_other_order() {
    let script = Script::new()
        .expect(KVM_GET_API_VERSION).returns(12)
        .expect(KVM_CHECK_EXTENSION).returns(1);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let (first, second, third) = fake
        .run(|| (KVM_CHECK_EXTENSION.call(&kvm, 0), KVM_GET_API_VERSION.call(&kvm), KVM_CHECK_EXTENSION.call(&kvm, 0)))
        .unwrap();

    assert_eq!(errno(first), Some(libc::ENOTTY));
    assert_eq!(second.unwrap(), 12);
    assert_eq!(third.unwrap(), 1);
    assert_eq!(fake.finish().unwrap_err().problems().count(), 1);
}

#[test]
fn any_order_script_accepts_other_order() {
    let script = Script::new()
        .in_any_order()
        .expect(KVM_GET_API_VERSION).returns(12)
        .expect(KVM_CHECK_EXTENSION).with_value(1).returns(10)
        .expect(KVM_CHECK_EXTENSION).with_value(2).times(2).returns(20);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let results = fake
        .run(|| {
            [
                KVM_CHECK_EXTENSION.call(&kvm, 2),
                KVM_CHECK_EXTENSION.call(&kvm, 1),
                KVM_CHECK_EXTENSION.call(&kvm, 2),
                KVM_GET_API_VERSION.call(&kvm),
            ]
            .map(Result::unwrap)
        })
        .unwrap();

    assert_eq!(results, [20, 10, 20, 12]);
    let calls = fake.finish().unwrap();
    let matched: Vec<Option<usize>> = calls.iter().map(|call| call.expectation).collect();
    assert_eq!(matched, [Some(2), Some(1), Some(2), Some(0)]);
}

#[test]
fn every_call_path_intercepted() {
    let script = Script::new().expect(KVM_GET_API_VERSION).times(3).returns(12);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);
    let request = KVM_GET_API_VERSION.request();

    let results = fake
        .run(|| {
            let typed = KVM_GET_API_VERSION.call(&kvm).unwrap() as i64;
            // SAFETY: the request takes no argument; 0 is passed.
            let c_library = unsafe { libc::ioctl(kvm.as_raw_fd(), request as _, 0usize) } as i64;
            // SAFETY: as above, through the raw system call.
            let system_call = unsafe { libc::syscall(libc::SYS_ioctl, kvm.as_raw_fd(), request as c_ulong, 0usize) };
            [typed, c_library, system_call]
        })
        .unwrap();

    assert_eq!(results, [12, 12, 12]);
    assert_eq!(fake.finish().unwrap().len(), 3);
}

#[test]
fn other_threads_unaffected() {
    let script = Script::new().expect(KVM_GET_API_VERSION).returns(12);
    let mut fake = FakeDevice::new(script).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    // Before `run`, and on this thread, the descriptor is a plain memfd.
    assert_eq!(errno(KVM_GET_API_VERSION.call(&kvm)), Some(libc::ENOTTY));

    let (outside, inside, pipe_pending) = std::thread::scope(|scope| {
        let (start, started) = mpsc::channel::<()>();
        let (report, reported) = mpsc::channel();
        let kvm = &kvm;
        scope.spawn(move || {
            started.recv().unwrap();
            report.send(KVM_GET_API_VERSION.call(kvm).map_err(|error| error.raw_os_error())).unwrap();
        });
        fake.run(move || {
            // Another thread calls while the fake is serving this one.
            start.send(()).unwrap();
            let outside = reported.recv().unwrap();
            // Calls on other descriptors of this thread reach the kernel.
            let (reader, mut writer) = io::pipe().unwrap();
            writer.write_all(b"abc").unwrap();
            let pending = FIONREAD.call(&reader).unwrap();
            (outside, KVM_GET_API_VERSION.call(kvm).unwrap(), pending)
        })
        .unwrap()
    });

    assert_eq!(outside, Err(Some(libc::ENOTTY)), "the other thread reached the memfd");
    assert_eq!(inside, 12);
    assert_eq!(pipe_pending, 3);
    assert_eq!(fake.finish().unwrap().len(), 1, "only the faked call is recorded");
}

#[test]
fn reused_number_passes_to_kernel() {
    let mut fake = FakeDevice::new(Script::new()).unwrap();
    let fd = fake.take_fd(Device::MAIN).unwrap();

    let pending = fake
        .run(move || -> io::Result<i32> {
            let (reader, mut writer) = io::pipe()?;
            writer.write_all(b"four")?;
            let number = fd.into_raw_fd();
            // SAFETY: dup2 replaces, in one step, the fake descriptor that this closure owns
            // as `number` with a copy of the pipe's read end.
            let ret = unsafe { libc::dup2(reader.as_raw_fd(), number) };
            assert_eq!(ret, number);
            // SAFETY: `number` is open and owned by this closure alone.
            let replaced = unsafe { OwnedFd::from_raw_fd(number) };
            FIONREAD.call(&replaced)
        })
        .unwrap();

    assert_eq!(pending.unwrap(), 4);
    let calls = fake.finish().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].device, None);
    assert_eq!(calls[0].reply, Reply::PassedToKernel);
}

/// Counts SIGUSR1 deliveries for `signal_waits_for_response`, the only test that sends one.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_signal: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn signal_waits_for_response() {
    // SAFETY: the handler only increments an atomic, which is async-signal-safe. Without
    // SA_RESTART, a signal that ended the wait would fail the call with EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
    }
    let caller = Arc::new(AtomicI32::new(0));
    let target = Arc::clone(&caller);
    let script = Script::new()
        .expect(KVM_MEMORY_ENCRYPT_OP)
        .with_input(move |_| {
            // The supervisor has received the call; signal its thread before responding.
            // SAFETY: tgkill sends SIGUSR1, which has a handler, to one thread of this process.
            let sent = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), target.load(Ordering::SeqCst), libc::SIGUSR1) };
            sent == 0
        })
        .updates(|cmd| cmd.error = 7)
        .succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vm: Vm = take(&mut fake, Device::MAIN);

    let (result, cmd, signals) = fake
        .run(|| {
            // SAFETY: gettid takes no arguments.
            caller.store(unsafe { libc::syscall(libc::SYS_gettid) } as i32, Ordering::SeqCst);
            let mut cmd = kvm_sev_cmd::default();
            let result = KVM_MEMORY_ENCRYPT_OP.call(&vm, &mut cmd);
            (result, cmd, SIGNALS.load(Ordering::SeqCst))
        })
        .unwrap();

    result.expect("the signal waits until the fake responded");
    assert_eq!(cmd.error, 7, "the reply was written before the call returned");
    assert_eq!(signals, 1, "the handler ran when the call returned");
    fake.finish().unwrap();
}

#[test]
fn forked_child_served() {
    let regs = regs_sample();
    let script = Script::new().expect(KVM_GET_REGS).writes(&regs).succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);
    let fd = vcpu.as_raw_fd();
    let request = KVM_GET_REGS.request() as c_ulong;

    let status = fake
        .run(|| {
            // SAFETY: the child issues only system calls and `_exit`, which are
            // async-signal-safe in the child of a multithreaded process.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                let mut buffer = [0u64; 18];
                // SAFETY: `buffer` has the size of `struct kvm_regs`, which the request writes.
                let ret = unsafe { libc::syscall(libc::SYS_ioctl, fd, request, buffer.as_mut_ptr()) };
                let code = match (ret, buffer[16]) {
                    (0, 0x1000) => 0,
                    (0, _) => 2,
                    _ => 1,
                };
                // SAFETY: ends the child without running the parent's destructors.
                unsafe { libc::_exit(code) };
            }
            assert!(pid > 0, "fork failed: {}", io::Error::last_os_error());
            let mut status = 0;
            // SAFETY: waits for the child forked above; `status` is writable.
            assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
            status
        })
        .unwrap();

    assert!(libc::WIFEXITED(status), "status {status:#x}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "1: the call failed, 2: rip was not written");
    let calls = fake.finish().unwrap();
    assert_eq!(calls[0].device, Some(Device::MAIN), "identified through /proc/PID/fd");
}

#[test]
fn input_check_panic_recorded() {
    let script = Script::new()
        .expect(KVM_SET_REGS)
        .with_input(|regs| {
            assert_eq!(regs.rip, 0x1000, "rip must point to the reset vector");
            true
        })
        .succeeds();
    let mut fake = FakeDevice::new(script).unwrap();
    let vcpu: Vcpu = take(&mut fake, Device::MAIN);

    let result = fake.run(|| KVM_SET_REGS.call(&vcpu, &kvm_regs::default())).unwrap();

    assert_eq!(errno(result), Some(libc::ENOTTY));
    let error = fake.finish().unwrap_err();
    let problem = error.problems().next().unwrap().problem().unwrap().to_string();
    assert!(problem.contains("the input check panicked: assertion `left == right` failed: rip must point"), "{problem}");
}

#[test]
fn code_panic_resumes_and_fake_continues() {
    let mut fake = FakeDevice::new(Script::new().expect(KVM_GET_API_VERSION).returns(12)).unwrap();
    let kvm: Kvm = take(&mut fake, Device::MAIN);

    let panic = std::panic::catch_unwind(AssertUnwindSafe(|| fake.run(|| panic!("code under test failed")))).unwrap_err();

    assert_eq!(panic.downcast_ref::<&str>(), Some(&"code under test failed"));
    assert_eq!(fake.run(|| KVM_GET_API_VERSION.call(&kvm)).unwrap().unwrap(), 12);
    fake.finish().unwrap();
}

#[test]
fn nested_run_rejected() {
    let mut outer = FakeDevice::new(Script::new()).unwrap();

    let error = outer
        .run(|| {
            let mut inner = FakeDevice::new(Script::new())?;
            inner.run(|| ())
        })
        .unwrap()
        .unwrap_err();

    assert_eq!(error.raw_os_error(), None, "the error carries a message: {error:?}");
    assert_eq!(error.kind(), io::ErrorKind::ResourceBusy);
    let message = error.to_string();
    assert!(message.contains("cannot run inside another fake's `run`"), "{message}");
    outer.finish().unwrap();
}

#[test]
fn script_mistakes_listed() {
    let script = Script::new()
        .unexpected_errno(0)
        .expect(KVM_GET_API_VERSION).returns(-5)
        .expect(KVM_GET_API_VERSION).fails(5000)
        .expect(KVM_GET_API_VERSION).times(0).succeeds();

    let error = FakeDevice::new(script).unwrap_err();

    let problems = ScriptError::from_io(&error).unwrap().problems();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].starts_with("unexpected_errno: error number 0"), "{}", problems[0]);
    assert!(problems[1].contains("use fails(5) instead"), "{}", problems[1]);
    assert!(problems[2].starts_with("expectation 1 (request 0x0000ae00 on main): fails(5000)"), "{}", problems[2]);
    assert!(problems[3].contains("times(0)"), "{}", problems[3]);
}

#[test]
fn take_fd_errors() {
    let mut fake = FakeDevice::new(Script::new()).unwrap();

    let missing = fake.take_fd(VM).unwrap_err();
    assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    assert!(missing.to_string().contains("\"vm\" is not in the script"), "{missing}");
    fake.take_fd(Device::MAIN).unwrap();
    let again = fake.take_fd(Device::MAIN).unwrap_err();
    assert_eq!(again.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn declarations_match_headers() {
    let mut probe = Probe::new("tests", &["linux/kvm.h", "linux/psp-sev.h", "asm/ioctls.h"]);
    probe.ioctls(KVM_IOCTLS);
    probe.ioctls(SEV_IOCTLS);
    probe.ioctls(GENERIC_IOCTLS);
    probe.layout::<kvm_regs>("struct kvm_regs");
    probe.layout::<kvm_sev_cmd>("struct kvm_sev_cmd");
    probe.layout::<kvm_msr_list>("struct kvm_msr_list");
    probe.layout::<kvm_signal_mask>("struct kvm_signal_mask");
    probe.layout::<kvm_sev_launch_measure>("struct kvm_sev_launch_measure");
    probe.layout::<sev_issue_cmd>("struct sev_issue_cmd");
    probe.layout::<sev_user_data_status>("struct sev_user_data_status");
    probe.constant("KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP);
    probe.constant("KVM_SEV_LAUNCH_MEASURE", KVM_SEV_LAUNCH_MEASURE.into());
    probe.constant("SEV_PLATFORM_STATUS", SEV_PLATFORM_STATUS.into());
    probe.constant("SEV_RET_INVALID_LEN", SEV_RET_INVALID_LEN.into());

    let mismatches = probe.mismatches();
    assert!(mismatches.is_empty(), "declarations differ from the headers:\n{}", mismatches.join("\n"));
}
