//! A fake SEV firmware for tests: `/dev/sev` and the SEV commands of a VM, served by
//! [`ioctl_fake`] through the real system call (enable the `fake-firmware` feature).
//!
//! Code under test keeps calling [`Sev::issue`], [`Vm::sev_command`],
//! [`Vm::set_user_memory_region`] and [`Vm::register_encrypted_memory`] as it would on an
//! AMD host. A [`FirmwareScript`] lists the commands that the firmware expects, in order,
//! and its reply to each: the payload written back, the data written through the addresses
//! inside the payload, the firmware status in the `error` field, and the ioctl's result.
//! Each expectation checks the command id, the payload and, where the command passes
//! buffers, the bytes at the addresses inside the payload. [`FakeFirmware`] hands out a
//! [`Sev`] and a [`Vm`] whose ioctls, issued inside [`FakeFirmware::run`], the script
//! serves.
//!
//! ```
//! use sev_ioctls::sev::fake::{FakeFirmware, FirmwareScript, Outcome};
//! use sev_ioctls::sev::{sev_user_data_status, FirmwareStatus, PlatformStatus, SevError};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let status = sev_user_data_status { api_major: 1, api_minor: 55, state: 1, ..Default::default() };
//! let script = FirmwareScript::new()
//!     .platform_status(status)
//!     .firmware_command::<PlatformStatus>(Outcome::FirmwareError {
//!         status: FirmwareStatus::InvalidPlatformState,
//!         errno: Some(libc::EIO),
//!     });
//! let mut fake = FakeFirmware::new(script)?;
//! let sev = fake.sev()?;
//!
//! let (first, second) = fake.run(|| (sev.platform_status(), sev.platform_status()))?;
//! assert_eq!(first?.api_minor, 55);
//! assert!(matches!(second, Err(SevError::Firmware { status: FirmwareStatus::InvalidPlatformState, .. })));
//! fake.finish()?;
//! # Ok(())
//! # }
//! ```
//!
//! The fake runs the code under test on a thread of its own with a seccomp filter, as
//! [`ioctl_fake::FakeDevice::run`] describes; writing replies into the caller needs
//! Linux 5.19 or later.

use std::cell::Cell;
use std::io;
use std::mem::offset_of;
use std::rc::Rc;

use ioctl_core::ret::Zero;
use ioctl_core::ReadWrite;
use ioctl_fake::{Device, Expect, FakeDevice, Script};
use libc::c_int;

use super::firmware::{FirmwareCommand, PlatformStatus, Sev, SEV_ISSUE_CMD};
use super::kvm_types::{kvm_sev_launch_measure, kvm_sev_launch_start, kvm_sev_launch_update_data};
use super::launch::{Init, KvmSevCommand, LaunchFinish, LaunchMeasure, LaunchStart, LaunchUpdateData};
use super::psp_types::{sev_issue_cmd, sev_user_data_status};
use super::FirmwareStatus;
use crate::kvm::{
    kvm_enc_region, kvm_sev_cmd, kvm_userspace_memory_region, Vm, KVM_MEMORY_ENCRYPT_OP,
    KVM_MEMORY_ENCRYPT_REG_REGION, KVM_MEMORY_ENCRYPT_UNREG_REGION, KVM_SET_USER_MEMORY_REGION,
};

pub use ioctl_fake::{Call, FinishError, Reply};

/// The fake device behind the [`Sev`] handle, `/dev/sev`.
pub const SEV_DEVICE: Device = Device::MAIN;
/// The fake device behind the [`Vm`] handle, which serves `KVM_MEMORY_ENCRYPT_OP` and the
/// memory ioctls.
pub const VM_DEVICE: Device = Device::new("vm");

/// The result of a command: the firmware status in the payload and the ioctl's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Status 0 and result 0.
    Success,
    /// A firmware status other than success. With `errno`, the ioctl fails with it, as
    /// the kernel does (EIO for most firmware errors); with `None`, the ioctl returns 0
    /// and only the status reports the error.
    FirmwareError {
        /// The status written into the payload's `error` field.
        status: FirmwareStatus,
        /// The ioctl's error, or `None` for a return value of 0.
        errno: Option<c_int>,
    },
    /// The ioctl fails with this error and status 0: the kernel refused the command before
    /// the firmware ran it.
    OsError(c_int),
}

/// The commands that a fake SEV firmware expects, in order, and its reply to each.
///
/// Each method adds one expected call. Commands on `/dev/sev` go to [`SEV_DEVICE`], and
/// commands on a VM go to [`VM_DEVICE`].
pub struct FirmwareScript {
    script: Script,
    /// The host address of the last range registered with `KVM_MEMORY_ENCRYPT_REG_REGION`,
    /// which the matching unregistration must name.
    registered: Rc<Cell<u64>>,
}

impl Default for FirmwareScript {
    fn default() -> Self {
        FirmwareScript::new()
    }
}

/// Ends `expect` with `outcome`.
fn finish<T: ioctl_core::AnyBitPattern + 'static>(
    expect: Expect<ReadWrite<T>, Zero>,
    outcome: Outcome,
    set_status: fn(&mut T, u32),
) -> Script {
    match outcome {
        Outcome::Success => expect.succeeds(),
        Outcome::FirmwareError { status, errno } => {
            let code = status.code();
            let expect = expect.updates(move |payload| set_status(payload, code));
            match errno {
                Some(errno) => expect.fails(errno),
                None => expect.succeeds(),
            }
        }
        Outcome::OsError(errno) => expect.fails(errno),
    }
}

fn set_issue_status(command: &mut sev_issue_cmd, code: u32) {
    command.error = code;
}

fn set_kvm_status(command: &mut kvm_sev_cmd, code: u32) {
    command.error = code;
}

impl FirmwareScript {
    /// Starts an empty script.
    pub fn new() -> FirmwareScript {
        FirmwareScript { script: Script::new(), registered: Rc::new(Cell::new(0)) }
    }

    fn push(self, add: impl FnOnce(Script) -> Script) -> FirmwareScript {
        FirmwareScript { script: add(self.script), registered: self.registered }
    }

    /// Expects `SEV_ISSUE_CMD` with firmware command `C`.
    fn issue<C: FirmwareCommand>(script: Script) -> Expect<ReadWrite<sev_issue_cmd>, Zero> {
        script.expect(SEV_ISSUE_CMD).named(C::NAME).on(SEV_DEVICE).with_input(|command| command.cmd == C::ID)
    }

    /// Expects `KVM_MEMORY_ENCRYPT_OP` with SEV command `C`.
    fn kvm<C: KvmSevCommand>(script: Script) -> Expect<ReadWrite<kvm_sev_cmd>, Zero> {
        script.expect(KVM_MEMORY_ENCRYPT_OP).named(C::NAME).on(VM_DEVICE).with_input(|command| command.id == C::ID)
    }

    /// Expects `SEV_PLATFORM_STATUS` and writes `status` into the caller's
    /// `sev_user_data_status`.
    pub fn platform_status(self, status: sev_user_data_status) -> FirmwareScript {
        self.push(|script| {
            let expect = Self::issue::<PlatformStatus>(script).with_input(|command| command.data != 0);
            // SAFETY: the input check accepts only SEV_PLATFORM_STATUS, whose `data` the
            // crate's `PlatformStatus` sets to its own `sev_user_data_status`, exclusively
            // borrowed for the call; `SEV_ISSUE_CMD` is reached through no other path.
            let expect = unsafe { expect.writes_through(|command| command.data, &status) };
            expect.succeeds()
        })
    }

    /// Expects firmware command `C` and replies with `outcome`, writing nothing through
    /// its `data` address.
    pub fn firmware_command<C: FirmwareCommand>(self, outcome: Outcome) -> FirmwareScript {
        self.push(|script| finish(Self::issue::<C>(script), outcome, set_issue_status))
    }

    /// Expects SEV command `C` on the VM and replies with `outcome`, writing nothing
    /// through its `data` address.
    pub fn kvm_command<C: KvmSevCommand>(self, outcome: Outcome) -> FirmwareScript {
        self.push(|script| finish(Self::kvm::<C>(script), outcome, set_kvm_status))
    }

    /// Expects `KVM_SEV_INIT`, without payload, and makes it succeed.
    pub fn sev_init(self) -> FirmwareScript {
        self.push(|script| Self::kvm::<Init>(script).with_input(|command| command.data == 0).succeeds())
    }

    /// Expects `KVM_SEV_LAUNCH_START` with `policy`, a certificate of `dh_cert`'s bytes and
    /// a session blob of `session`'s bytes (empty arrays for none), and an open `/dev/sev`
    /// descriptor in `sev_fd`. Replies with guest handle `handle`.
    pub fn launch_start<const D: usize, const S: usize>(
        self,
        policy: u32,
        dh_cert: [u8; D],
        session: [u8; S],
        handle: u32,
    ) -> FirmwareScript {
        self.push(|script| {
            let dh_address = Rc::new(Cell::new(0));
            let session_address = Rc::new(Cell::new(0));
            let (dh_store, session_store) = (dh_address.clone(), session_address.clone());
            let expect = Self::kvm::<LaunchStart<'_>>(script)
                .with_input(|command| command.sev_fd <= i32::MAX as u32)
                .with_input_through(
                    |command| command.data,
                    move |start: &kvm_sev_launch_start| {
                        dh_store.set(start.dh_uaddr);
                        session_store.set(start.session_uaddr);
                        start.policy == policy && start.dh_len as usize == D && start.session_len as usize == S
                    },
                )
                .with_input_through(move |_| dh_address.get(), move |bytes: &[u8; D]| *bytes == dh_cert)
                .with_input_through(move |_| session_address.get(), move |bytes: &[u8; S]| *bytes == session);
            let handle_offset = offset_of!(kvm_sev_launch_start, handle) as u64;
            // SAFETY: the input checks accept only KVM_SEV_LAUNCH_START, whose `data` the
            // crate's `LaunchStart` sets to its own `kvm_sev_launch_start`, exclusively
            // borrowed for the call; the `u32` written is its `handle` field, which the
            // kernel writes back too. `KVM_MEMORY_ENCRYPT_OP` is reached through no other
            // path.
            let expect = unsafe { expect.writes_through(move |command| command.data + handle_offset, &handle) };
            expect.succeeds()
        })
    }

    /// Expects `KVM_SEV_LAUNCH_UPDATE_DATA` of `N` bytes that hold `plaintext`, and
    /// "encrypts" them by writing `ciphertext` in their place.
    pub fn launch_update_data<const N: usize>(self, plaintext: [u8; N], ciphertext: [u8; N]) -> FirmwareScript {
        self.push(|script| {
            let address = Rc::new(Cell::new(0));
            let store = address.clone();
            let (read_at, write_at) = (address.clone(), address);
            let expect = Self::kvm::<LaunchUpdateData<'_>>(script)
                .with_input_through(
                    |command| command.data,
                    move |update: &kvm_sev_launch_update_data| {
                        store.set(update.uaddr);
                        update.uaddr != 0 && update.len as usize == N
                    },
                )
                .with_input_through(move |_| read_at.get(), move |bytes: &[u8; N]| *bytes == plaintext);
            // SAFETY: the input checks accept only KVM_SEV_LAUNCH_UPDATE_DATA whose payload
            // states `N` bytes at `uaddr`. The crate's `LaunchUpdateData` fills `uaddr` and
            // `len` from a `&mut [u8]` or a checked `GuestMemory` range of that length,
            // borrowed for the call, where the firmware writes the ciphertext too.
            let expect = unsafe { expect.writes_through(move |_| write_at.get(), &ciphertext) };
            expect.succeeds()
        })
    }

    /// Expects a `KVM_SEV_LAUNCH_MEASURE` length query (no buffer) and replies as KVM
    /// does: the length `len` in the payload, status `SEV_RET_INVALID_LEN` and EIO.
    pub fn launch_measure_query(self, len: u32) -> FirmwareScript {
        self.push(|script| {
            let expect = Self::kvm::<LaunchMeasure<'_>>(script).with_input_through(
                |command| command.data,
                |measure: &kvm_sev_launch_measure| measure.uaddr == 0 && measure.len == 0,
            );
            let len_offset = offset_of!(kvm_sev_launch_measure, len) as u64;
            // SAFETY: the input checks accept only KVM_SEV_LAUNCH_MEASURE, whose `data` the
            // crate's `LaunchMeasure` sets to its own `kvm_sev_launch_measure`, exclusively
            // borrowed for the call; the `u32` written is its `len` field.
            let expect = unsafe { expect.writes_through(move |command| command.data + len_offset, &len) };
            let status = Outcome::FirmwareError { status: FirmwareStatus::InvalidLen, errno: Some(libc::EIO) };
            finish(expect, status, set_kvm_status)
        })
    }

    /// Expects `KVM_SEV_LAUNCH_MEASURE` with a buffer of at least `N` bytes, and writes
    /// `measurement` into it and its length into the payload.
    pub fn launch_measure<const N: usize>(self, measurement: [u8; N]) -> FirmwareScript {
        self.push(|script| {
            let address = Rc::new(Cell::new(0));
            let store = address.clone();
            let expect = Self::kvm::<LaunchMeasure<'_>>(script).with_input_through(
                |command| command.data,
                move |measure: &kvm_sev_launch_measure| {
                    store.set(measure.uaddr);
                    measure.uaddr != 0 && measure.len as usize >= N
                },
            );
            let len_offset = offset_of!(kvm_sev_launch_measure, len) as u64;
            let len = u32::try_from(N).unwrap_or(u32::MAX);
            // SAFETY: the input checks accept only KVM_SEV_LAUNCH_MEASURE whose payload
            // states at least `N` bytes at `uaddr`; the crate's `LaunchMeasure` fills both
            // from a `&mut [u8]` borrowed for the call, and its `data` points to its own
            // `kvm_sev_launch_measure`, whose `len` field is the `u32` written.
            let expect = unsafe {
                expect
                    .writes_through(move |_| address.get(), &measurement)
                    .writes_through(move |command| command.data + len_offset, &len)
            };
            expect.succeeds()
        })
    }

    /// Expects `KVM_SEV_LAUNCH_FINISH`, without payload, and makes it succeed.
    pub fn launch_finish(self) -> FirmwareScript {
        self.push(|script| Self::kvm::<LaunchFinish>(script).with_input(|command| command.data == 0).succeeds())
    }

    /// Expects `KVM_SET_USER_MEMORY_REGION` creating slot `slot` of `size` bytes at
    /// `guest_phys_addr`, from [`Vm::set_user_memory_region`], and makes it succeed.
    pub fn set_memory_region(self, slot: u32, guest_phys_addr: u64, size: u64) -> FirmwareScript {
        self.push(|script| {
            script
                .expect(KVM_SET_USER_MEMORY_REGION)
                .named("KVM_SET_USER_MEMORY_REGION")
                .on(VM_DEVICE)
                .with_input_bytes(move |bytes| {
                    let region = region_from(bytes);
                    region.slot == slot
                        && region.guest_phys_addr == guest_phys_addr
                        && region.memory_size == size
                        && region.userspace_addr != 0
                })
                .succeeds()
        })
    }

    /// Expects `KVM_SET_USER_MEMORY_REGION` deleting slot `slot` (size 0), as dropping a
    /// [`MemoryRegion`](crate::kvm::MemoryRegion) does, and makes it succeed.
    pub fn delete_memory_region(self, slot: u32) -> FirmwareScript {
        self.push(|script| {
            script
                .expect(KVM_SET_USER_MEMORY_REGION)
                .named("KVM_SET_USER_MEMORY_REGION")
                .on(VM_DEVICE)
                .with_input_bytes(move |bytes| {
                    let region = region_from(bytes);
                    region.slot == slot && region.memory_size == 0
                })
                .succeeds()
        })
    }

    /// Expects `KVM_MEMORY_ENCRYPT_REG_REGION` of `size` bytes, from an
    /// [`EncryptedRegion`](crate::kvm::EncryptedRegion), and makes it succeed.
    pub fn register_region(self, size: u64) -> FirmwareScript {
        let registered = self.registered.clone();
        self.push(|script| {
            script
                .expect(KVM_MEMORY_ENCRYPT_REG_REGION)
                .named("KVM_MEMORY_ENCRYPT_REG_REGION")
                .on(VM_DEVICE)
                .with_input(move |range: &kvm_enc_region| {
                    registered.set(range.addr);
                    range.addr != 0 && range.size == size
                })
                .succeeds()
        })
    }

    /// Expects `KVM_MEMORY_ENCRYPT_UNREG_REGION` of the range that the last
    /// [`register_region`](Self::register_region) accepted, and makes it succeed.
    pub fn unregister_region(self, size: u64) -> FirmwareScript {
        let registered = self.registered.clone();
        self.push(|script| {
            script
                .expect(KVM_MEMORY_ENCRYPT_UNREG_REGION)
                .named("KVM_MEMORY_ENCRYPT_UNREG_REGION")
                .on(VM_DEVICE)
                .with_input(move |range: &kvm_enc_region| range.addr == registered.get() && range.size == size)
                .succeeds()
        })
    }
}

/// Reads a `kvm_userspace_memory_region` from the payload bytes that the fake read; the
/// type is not `AnyBitPattern` because its address must not come from the kernel.
fn region_from(bytes: &[u8]) -> kvm_userspace_memory_region {
    let word = |offset: usize, size: usize| -> u64 {
        let mut buffer = [0u8; 8];
        let end = (offset + size).min(bytes.len());
        if offset < end {
            buffer[..end - offset].copy_from_slice(&bytes[offset..end]);
        }
        u64::from_ne_bytes(buffer)
    };
    kvm_userspace_memory_region {
        slot: word(offset_of!(kvm_userspace_memory_region, slot), 4) as u32,
        flags: word(offset_of!(kvm_userspace_memory_region, flags), 4) as u32,
        guest_phys_addr: word(offset_of!(kvm_userspace_memory_region, guest_phys_addr), 8),
        memory_size: word(offset_of!(kvm_userspace_memory_region, memory_size), 8),
        userspace_addr: word(offset_of!(kvm_userspace_memory_region, userspace_addr), 8),
    }
}

/// A fake SEV firmware: the [`Sev`] and [`Vm`] handles whose ioctls a [`FirmwareScript`]
/// serves while [`run`](Self::run) executes the code under test.
pub struct FakeFirmware {
    device: FakeDevice,
}

impl FakeFirmware {
    /// Creates the fake devices of `script`. Fails with the errors of
    /// [`FakeDevice::new`].
    pub fn new(script: FirmwareScript) -> io::Result<FakeFirmware> {
        Ok(FakeFirmware { device: FakeDevice::new(script.script)? })
    }

    /// Returns the fake `/dev/sev`; it can be taken once.
    pub fn sev(&mut self) -> io::Result<Sev> {
        let fd = self.device.take_fd(SEV_DEVICE)?;
        // SAFETY: inside `run`, the script serves `SEV_ISSUE_CMD` as its declaration in this
        // crate states and writes through the command's `data` only what the crate's
        // command types point it to (see each method of `FirmwareScript`); every other
        // request fails with ENOTTY without touching memory. Outside `run` the descriptor
        // is a memfd, which has none of the requests declared on `Sev`.
        Ok(unsafe { Sev::from_fd_unchecked(fd) })
    }

    /// Returns the fake VM; it can be taken once, and only when the script names
    /// [`VM_DEVICE`].
    pub fn vm(&mut self) -> io::Result<Vm> {
        let fd = self.device.take_fd(VM_DEVICE)?;
        // SAFETY: as for `sev`: the script serves `KVM_MEMORY_ENCRYPT_OP` and the memory
        // ioctls as this crate declares them, every other request fails without touching
        // memory, and outside `run` the memfd serves none of the requests declared on `Vm`.
        Ok(unsafe { Vm::from_fd_unchecked(fd) })
    }

    /// Runs `code` on a thread whose ioctls on the fake handles the script serves, and
    /// returns what `code` returned (see [`FakeDevice::run`]).
    pub fn run<T, F>(&mut self, code: F) -> io::Result<T>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        self.device.run(code)
    }

    /// Returns the calls recorded so far.
    pub fn calls(&self) -> &[Call] {
        self.device.calls()
    }

    /// Ends the fake and returns every call, or a [`FinishError`] that lists the expected
    /// commands that did not come and the calls that the script did not expect.
    pub fn finish(self) -> Result<Vec<Call>, FinishError> {
        self.device.finish()
    }
}
