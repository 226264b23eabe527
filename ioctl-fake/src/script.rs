//! [`Script`]: the calls that the fake expects and its response to each.

use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;

use ioctl_core::ret::{Fd, Typed};
use ioctl_core::{
    AnyBitPattern, ArgumentKind, FlexHeader, Handle, IntArg, Ioctl, IoctlInfo, NoArg, Read, ReadWrite, ReadWriteFlex, Value,
    Write, WriteFlex,
};
use libc::c_int;

use crate::memory;

/// A fake device: one descriptor that the fake creates and serves.
///
/// Devices are distinguished by name. Every script has [`Device::MAIN`]; an expectation
/// placed [`on`](Expect::on) another device, or a reply that
/// [returns a device](Expect::returns_device), adds that device to the fake.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Device {
    name: &'static str,
}

impl Device {
    /// The device that every expectation applies to unless it names another.
    pub const MAIN: Device = Device { name: "main" };

    /// Names a device, such as `Device::new("vm")` for the VM descriptor that a faked
    /// `KVM_CREATE_VM` returns.
    pub const fn new(name: &'static str) -> Device {
        Device { name }
    }

    /// Returns the device's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Device({:?})", self.name)
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for ioctl_core::NoArg {}
    impl<T> Sealed for ioctl_core::Read<T> {}
    impl<T> Sealed for ioctl_core::Write<T> {}
    impl<T> Sealed for ioctl_core::ReadWrite<T> {}
    impl<T> Sealed for ioctl_core::Value<T> {}
    impl<H> Sealed for ioctl_core::WriteFlex<H> {}
    impl<H> Sealed for ioctl_core::ReadWriteFlex<H> {}
    impl Sealed for super::Described {}
    impl Sealed for ioctl_core::ret::Fd {}
    impl<H> Sealed for ioctl_core::ret::Typed<H> {}

    /// The shape of a payload that ends in a flexible array member: the element size, and
    /// the function that reads the element count from the header's bytes.
    #[derive(Clone, Copy)]
    pub struct FlexShape {
        pub(crate) element_size: usize,
        pub(crate) count: fn(&[u8]) -> usize,
    }
}

pub(crate) use sealed::FlexShape;

/// An argument kind of `ioctl-core` that a script can expect: [`NoArg`], [`Read`],
/// [`Write`], [`ReadWrite`], [`Value`], [`WriteFlex`] or [`ReadWriteFlex`].
///
/// The kind and the payload size come from the `Ioctl` declaration, so a script never
/// restates them.
pub trait Argument: sealed::Sealed {
    /// The argument kind.
    const KIND: ArgumentKind;
    /// The payload's size in bytes for `Read`, `Write` and `ReadWrite`, the header's size
    /// for `WriteFlex` and `ReadWriteFlex`, 0 otherwise.
    const PAYLOAD_SIZE: usize;
    /// The element size and count of a flexible array payload.
    #[doc(hidden)]
    const FLEX: Option<FlexShape> = None;
}

impl Argument for NoArg {
    const KIND: ArgumentKind = ArgumentKind::None;
    const PAYLOAD_SIZE: usize = 0;
}

impl<T> Argument for Read<T> {
    const KIND: ArgumentKind = ArgumentKind::Read;
    const PAYLOAD_SIZE: usize = size_of::<T>();
}

impl<T> Argument for Write<T> {
    const KIND: ArgumentKind = ArgumentKind::Write;
    const PAYLOAD_SIZE: usize = size_of::<T>();
}

impl<T> Argument for ReadWrite<T> {
    const KIND: ArgumentKind = ArgumentKind::ReadWrite;
    const PAYLOAD_SIZE: usize = size_of::<T>();
}

impl<T> Argument for Value<T> {
    const KIND: ArgumentKind = ArgumentKind::Value;
    const PAYLOAD_SIZE: usize = 0;
}

/// Reads the element count from the bytes of a header `H`.
fn flex_count<H: FlexHeader>(header: &[u8]) -> usize {
    from_bytes::<H>(header).len()
}

impl<H: FlexHeader> Argument for WriteFlex<H> {
    const KIND: ArgumentKind = ArgumentKind::Write;
    const PAYLOAD_SIZE: usize = size_of::<H>();
    const FLEX: Option<FlexShape> =
        Some(FlexShape { element_size: size_of::<H::Element>(), count: flex_count::<H> });
}

impl<H: FlexHeader> Argument for ReadWriteFlex<H> {
    const KIND: ArgumentKind = ArgumentKind::ReadWrite;
    const PAYLOAD_SIZE: usize = size_of::<H>();
    const FLEX: Option<FlexShape> =
        Some(FlexShape { element_size: size_of::<H::Element>(), count: flex_count::<H> });
}

/// An argument whose payload the caller sends: [`Write`], [`ReadWrite`] and the flexible
/// array kinds, whose payload type is the header.
pub trait Sends: Argument {
    /// The payload type.
    type Payload;
}

impl<T> Sends for Write<T> {
    type Payload = T;
}

impl<T> Sends for ReadWrite<T> {
    type Payload = T;
}

impl<H: FlexHeader> Sends for WriteFlex<H> {
    type Payload = H;
}

impl<H: FlexHeader> Sends for ReadWriteFlex<H> {
    type Payload = H;
}

/// An argument whose payload ends in a flexible array member: [`WriteFlex`] and
/// [`ReadWriteFlex`].
pub trait FlexArgument: Sends {
    /// The header, which counts the elements.
    type Header: FlexHeader;
}

impl<H: FlexHeader> FlexArgument for WriteFlex<H> {
    type Header = H;
}

impl<H: FlexHeader> FlexArgument for ReadWriteFlex<H> {
    type Header = H;
}

/// An argument whose payload the kernel writes back: [`Read`], [`ReadWrite`] and
/// [`ReadWriteFlex`], whose payload type is the header.
pub trait Receives: Argument {
    /// The payload type.
    type Payload: AnyBitPattern;
}

impl<T: AnyBitPattern> Receives for Read<T> {
    type Payload = T;
}

impl<T: AnyBitPattern> Receives for ReadWrite<T> {
    type Payload = T;
}

impl<H: FlexHeader> Receives for ReadWriteFlex<H> {
    type Payload = H;
}

/// A return policy whose value is a new descriptor: [`ret::Fd`](Fd) and
/// [`ret::Typed`](Typed).
pub trait ReturnsFd: sealed::Sealed {}

impl ReturnsFd for Fd {}
impl<H: Handle> ReturnsFd for Typed<H> {}
impl ReturnsFd for Described {}

/// The argument and return markers of an expectation built from an [`IoctlInfo`], whose
/// kind is known only at run time.
#[derive(Debug)]
pub enum Described {}

/// Whether calls must come in the order of the script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    InOrder,
    AnyOrder,
}

/// A check of the argument that the caller passed. It returns why the call does not
/// match, or `Ok` when it does.
pub(crate) type InputCheck = Box<dyn Fn(&Input<'_>) -> Result<(), String>>;

/// The parts of a call that a check reads.
pub(crate) struct Input<'a> {
    /// The task that issued the call, for reads through addresses in the payload.
    pub pid: libc::pid_t,
    /// The payload bytes that the fake read at the argument address: as many as the
    /// declared payload for `Write` and `ReadWrite`, none otherwise.
    pub payload: &'a [u8],
}

/// Computes reply bytes from the payload that the caller sent.
pub(crate) type ComputeReply = Box<dyn Fn(&[u8]) -> Box<[MaybeUninit<u8>]>>;

/// Returns an address stored in the payload that the caller sent.
pub(crate) type AddressIn = Box<dyn Fn(&[u8]) -> u64>;

/// The bytes written at the argument address: fixed, or computed from the payload that
/// the caller sent. Either is at most the declared payload size.
pub(crate) enum ReplyBytes {
    Fixed(Box<[MaybeUninit<u8>]>),
    FromInput(ComputeReply),
}

impl ReplyBytes {
    /// Returns the bytes to write for a call that sent `input`.
    pub(crate) fn for_input(&self, input: &[u8]) -> Box<[MaybeUninit<u8>]> {
        match self {
            ReplyBytes::Fixed(bytes) => bytes.clone(),
            ReplyBytes::FromInput(compute) => compute(input),
        }
    }
}

/// A reply written through an address stored in the caller's payload.
pub(crate) struct IndirectWrite {
    pub address: AddressIn,
    pub bytes: Box<[MaybeUninit<u8>]>,
}

/// The result of the caller's system call.
pub(crate) enum Outcome {
    Return(c_int),
    Fail(c_int),
    Fd(OwnedFd),
    Device(Device),
}

/// One expected call and its reply.
pub(crate) struct Expectation {
    pub request: u32,
    pub name: Option<&'static str>,
    pub device: Device,
    pub kind: ArgumentKind,
    /// The bytes that the fake may read and write at the argument address: the declared
    /// payload size for `Read`, `Write` and `ReadWrite`, 0 otherwise.
    pub payload_size: usize,
    pub value: Option<u64>,
    /// The element size and count of a flexible array payload. The fake then reads and
    /// writes the header and as many elements as the caller's header counts.
    pub flex: Option<FlexShape>,
    pub checks: Vec<InputCheck>,
    pub reply: Option<ReplyBytes>,
    pub indirect: Vec<IndirectWrite>,
    pub outcome: Outcome,
    pub times: usize,
    pub remaining: usize,
}

impl Expectation {
    /// Returns whether the fake reads the payload at the argument address.
    pub(crate) fn reads_payload(&self) -> bool {
        matches!(self.kind, ArgumentKind::Write | ArgumentKind::ReadWrite)
    }

    /// Returns whether the reply writes into the caller's memory.
    pub(crate) fn writes_memory(&self) -> bool {
        self.reply.is_some() || !self.indirect.is_empty()
    }

    /// Names the call for messages: `KVM_GET_REGS (0x8090ae81) on main`.
    pub(crate) fn describe(&self) -> String {
        describe_call(self.name, self.request, self.device)
    }
}

pub(crate) fn describe_call(name: Option<&str>, request: u32, device: Device) -> String {
    match name {
        Some(name) => format!("{name} ({request:#010x}) on {device}"),
        None => format!("request {request:#010x} on {device}"),
    }
}

/// The calls that a fake device expects, in order or in any order, and the reply to each.
///
/// Build it from the typed [`Ioctl`] constants that the code under test calls, so the
/// request number, argument kind and payload size come from their declarations:
///
/// ```
/// # use ioctl_core::ioctl;
/// # use ioctl_fake::Script;
/// # ioctl! { unsafe { group 0xAE; fd Kvm; none KVM_GET_API_VERSION = 0x00 on Kvm -> count;
/// #     none KVM_CHECK_EXTENSION = 0x03 (std::ffi::c_ulong) on Kvm -> count; } }
/// let script = Script::new()
///     .expect(KVM_GET_API_VERSION).returns(12)
///     .expect(KVM_CHECK_EXTENSION).with_value(7).fails(libc::EINVAL);
/// ```
///
/// A mistake in the script, such as a reply larger than the payload, makes
/// [`FakeDevice::new`](crate::FakeDevice::new) fail with a [`ScriptError`] that lists it.
pub struct Script {
    pub(crate) order: Order,
    pub(crate) unexpected_errno: c_int,
    pub(crate) expectations: Vec<Expectation>,
    pub(crate) problems: Vec<String>,
}

impl Default for Script {
    fn default() -> Self {
        Script::new()
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let calls: Vec<String> = self.expectations.iter().map(Expectation::describe).collect();
        f.debug_struct("Script")
            .field("order", &self.order)
            .field("unexpected_errno", &self.unexpected_errno)
            .field("expectations", &calls)
            .field("problems", &self.problems)
            .finish()
    }
}

impl Script {
    /// Starts an empty script whose calls must come in the order they are added.
    pub fn new() -> Script {
        Script {
            order: Order::InOrder,
            unexpected_errno: libc::ENOTTY,
            expectations: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Accepts the expected calls in any order. Each call matches the first expectation,
    /// in script order, whose request, device and input checks it satisfies and that has
    /// calls left.
    pub fn in_any_order(mut self) -> Script {
        self.order = Order::AnyOrder;
        self
    }

    /// Sets the error number returned for a call that the script does not expect;
    /// `ENOTTY` (no such ioctl) by default.
    pub fn unexpected_errno(mut self, errno: c_int) -> Script {
        if let Err(problem) = check_errno(errno) {
            self.problems.push(format!("unexpected_errno: {problem}"));
        }
        self.unexpected_errno = errno;
        self
    }

    /// Expects a call of `ioctl`. The request number, argument kind and payload size come
    /// from its declaration.
    pub fn expect<K: ?Sized, A: Argument, R>(self, ioctl: Ioctl<K, A, R>) -> Expect<A, R> {
        let mut expect = self.start(ioctl.request(), None, A::KIND, A::PAYLOAD_SIZE);
        expect.expectation.flex = A::FLEX;
        expect
    }

    /// Expects a call of the ioctl that `info` describes, such as an entry of a
    /// `table NAME;` list generated by `ioctl!`. The expectation's messages use its name.
    ///
    /// Writing a reply for such an expectation is `unsafe`, because safe code can build an
    /// `IoctlInfo` with any size; see [`Expect::writes_bytes_unchecked`].
    pub fn expect_info(self, info: &IoctlInfo) -> Expect<Described, Described> {
        let size = match info.argument {
            ArgumentKind::Read | ArgumentKind::Write | ArgumentKind::ReadWrite => info.argument_size,
            ArgumentKind::None | ArgumentKind::Value => 0,
        };
        self.start(info.request, Some(info.name), info.argument, size)
    }

    fn start<A, R>(self, request: u32, name: Option<&'static str>, kind: ArgumentKind, payload_size: usize) -> Expect<A, R> {
        Expect {
            script: self,
            expectation: Expectation {
                request,
                name,
                device: Device::MAIN,
                kind,
                payload_size,
                value: None,
                flex: None,
                checks: Vec::new(),
                reply: None,
                indirect: Vec::new(),
                outcome: Outcome::Return(0),
                times: 1,
                remaining: 1,
            },
            marker: PhantomData,
        }
    }

    /// Returns every device that the script names, [`Device::MAIN`] first.
    pub(crate) fn devices(&self) -> Vec<Device> {
        let mut devices = vec![Device::MAIN];
        for expectation in &self.expectations {
            let returned = match expectation.outcome {
                Outcome::Device(device) => Some(device),
                _ => None,
            };
            for device in std::iter::once(expectation.device).chain(returned) {
                if !devices.contains(&device) {
                    devices.push(device);
                }
            }
        }
        devices
    }

    /// Returns how many descriptors the script's replies hand out as devices.
    pub(crate) fn device_handouts(&self) -> usize {
        self.expectations
            .iter()
            .filter(|expectation| matches!(expectation.outcome, Outcome::Device(_)))
            .map(|expectation| expectation.times)
            .sum()
    }

    /// Returns whether any reply writes into the caller's memory.
    pub(crate) fn writes_memory(&self) -> bool {
        self.expectations.iter().any(Expectation::writes_memory)
    }
}

fn check_errno(errno: c_int) -> Result<(), String> {
    if (1..=4095).contains(&errno) {
        Ok(())
    } else {
        Err(format!("error number {errno} is outside 1 to 4095, the range that the kernel returns"))
    }
}

/// One expectation being built: chain the checks of the input and the parts of the reply,
/// then end with [`returns`](Expect::returns), [`succeeds`](Expect::succeeds),
/// [`fails`](Expect::fails), [`returns_fd`](Expect::returns_fd) or
/// [`returns_device`](Expect::returns_device), which add it to the script.
///
/// `A` is the argument kind and `R` the return policy of the expected ioctl; they decide
/// which methods exist. For example, [`writes`](Expect::writes) exists only for `Read`
/// and `ReadWrite` ioctls, and takes exactly their payload type.
#[must_use = "an expectation is added to the script only by `returns`, `succeeds`, `fails`, `returns_fd` or `returns_device`"]
pub struct Expect<A, R> {
    script: Script,
    expectation: Expectation,
    marker: PhantomData<fn() -> (A, R)>,
}

impl<A, R> fmt::Debug for Expect<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expect").field("call", &self.expectation.describe()).finish_non_exhaustive()
    }
}

impl<A, R> Expect<A, R> {
    /// Expects the call on `device` instead of [`Device::MAIN`].
    pub fn on(mut self, device: Device) -> Self {
        self.expectation.device = device;
        self
    }

    /// Names the call in messages and in the [`Call`](crate::Call) records, such as
    /// `KVM_GET_REGS`. Without a name, messages show the request number.
    pub fn named(mut self, name: &'static str) -> Self {
        self.expectation.name = Some(name);
        self
    }

    /// Expects `count` calls, each with the same checks and reply, instead of one. In an
    /// ordered script they come one after another.
    pub fn times(mut self, count: usize) -> Self {
        if count == 0 {
            self.problem("times(0): an expectation needs at least one call; leave it out of the script instead");
        }
        self.expectation.times = count;
        self.expectation.remaining = count;
        self
    }

    /// Ends the expectation: the call returns `value`.
    ///
    /// A value from -4095 to -1 is an error in the script, because the caller would read
    /// it as an error number. Use [`fails`](Self::fails) for errors. Other negative values
    /// reach the caller unchanged, as from a driver that returns them.
    pub fn returns(mut self, value: c_int) -> Script {
        if (-4095..0).contains(&value) {
            self.problem(&format!("returns({value}): the caller would read this as error {}; use fails({}) instead", -value, -value));
        }
        self.finish(Outcome::Return(value))
    }

    /// Ends the expectation: the call returns 0.
    pub fn succeeds(self) -> Script {
        self.finish(Outcome::Return(0))
    }

    /// Ends the expectation: the call fails with `errno`, such as `libc::EIO`. Replies
    /// scripted with `writes`, `updates` or `writes_through` are written first, as a driver
    /// that reports a firmware error in the payload does. The caller sees the error as the kernel returns it: `EINTR`
    /// reaches it like any other error, and the caller decides whether to retry.
    pub fn fails(mut self, errno: c_int) -> Script {
        if let Err(problem) = check_errno(errno) {
            self.problem(&format!("fails({errno}): {problem}"));
        }
        self.finish(Outcome::Fail(errno))
    }

    fn finish(mut self, outcome: Outcome) -> Script {
        self.expectation.outcome = outcome;
        self.script.expectations.push(self.expectation);
        self.script
    }

    fn problem(&mut self, message: &str) {
        let call = self.expectation.describe();
        let index = self.script.expectations.len();
        self.script.problems.push(format!("expectation {index} ({call}): {message}"));
    }

    fn check(mut self, check: InputCheck) -> Self {
        self.expectation.checks.push(check);
        self
    }

    fn set_reply_bytes(&mut self, bytes: &[u8]) {
        let size = self.expectation.payload_size;
        if bytes.len() > size {
            self.problem(&format!(
                "writes_bytes with {} bytes: the declared payload holds {size}, and the fake never writes past it",
                bytes.len()
            ));
            return;
        }
        self.expectation.reply = Some(ReplyBytes::Fixed(memory::as_maybe_uninit(bytes).into()));
    }
}

impl<A, R: ReturnsFd> Expect<A, R> {
    /// Ends the expectation: the call returns a new descriptor, in the caller's process,
    /// for the file that `fd` refers to. The kernel installs it with
    /// `SECCOMP_IOCTL_NOTIF_ADDFD` (Linux 5.9 or later) and `O_CLOEXEC`. With
    /// [`times`](Self::times), each call gets its own descriptor for the same file.
    pub fn returns_fd(self, fd: OwnedFd) -> Script {
        self.finish(Outcome::Fd(fd))
    }

    /// Ends the expectation: the call returns a new descriptor of the fake `device`, so
    /// the ioctls that the code under test then issues on it are served by this script
    /// too, with expectations placed [`on(device)`](Self::on).
    pub fn returns_device(self, device: Device) -> Script {
        self.finish(Outcome::Device(device))
    }
}

impl<T: IntArg, R> Expect<Value<T>, R> {
    /// Expects the integer argument `value`, converted as the call converts it.
    pub fn with_value(mut self, value: T) -> Self {
        // `c_ulong` is `u32` on 32-bit targets, where the conversion is not a no-op.
        #[allow(clippy::useless_conversion)]
        let value = u64::from(value.to_arg());
        self.expectation.value = Some(value);
        self
    }
}

impl<A: Sends, R> Expect<A, R> {
    /// Checks the payload that the caller sends, as raw bytes: the call matches only if
    /// `check` returns `true`. The slice is as long as the declared payload. This works
    /// for payload types that are not [`AnyBitPattern`], such as structs with a `bool`.
    pub fn with_input_bytes(self, check: impl Fn(&[u8]) -> bool + 'static) -> Self {
        self.check(Box::new(move |input: &Input<'_>| {
            if check(input.payload) {
                Ok(())
            } else {
                Err("the input check rejected the payload".to_string())
            }
        }))
    }
}

impl<A: Sends, R> Expect<A, R>
where
    A::Payload: AnyBitPattern,
{
    /// Checks the payload that the caller sends: the call matches only if `check` returns
    /// `true`.
    ///
    /// A check may also panic, with `assert!` for example; the fake records the message as
    /// the reason why the call did not match.
    pub fn with_input(self, check: impl Fn(&A::Payload) -> bool + 'static) -> Self {
        self.check(Box::new(move |input: &Input<'_>| {
            if check(&from_bytes::<A::Payload>(input.payload)) {
                Ok(())
            } else {
                Err("the input check rejected the payload".to_string())
            }
        }))
    }

    /// Expects the payload to equal `expected`. A call with another payload does not
    /// match, and the record shows both values.
    pub fn with_input_equal(self, expected: A::Payload) -> Self
    where
        A::Payload: PartialEq + fmt::Debug + 'static,
    {
        self.check(Box::new(move |input: &Input<'_>| {
            let actual = from_bytes::<A::Payload>(input.payload);
            if actual == expected {
                Ok(())
            } else {
                Err(format!("the payload is {actual:?}, expected {expected:?}"))
            }
        }))
    }

    /// Checks a `U` that the payload points to: `address` returns the address field of the
    /// payload (such as the `data` field of `struct sev_issue_cmd`), and the call matches
    /// only if `check` accepts the `U` read there.
    ///
    /// The fake reads through the kernel (`process_vm_readv`), so a bad address makes the
    /// call not match and never faults the test.
    pub fn with_input_through<U: AnyBitPattern>(
        self,
        address: impl Fn(&A::Payload) -> u64 + 'static,
        check: impl Fn(&U) -> bool + 'static,
    ) -> Self {
        self.check(Box::new(move |input: &Input<'_>| {
            let pointer = address(&from_bytes::<A::Payload>(input.payload));
            let bytes = memory::read(input.pid, pointer, size_of::<U>()).map_err(|error| {
                format!("cannot read the {} bytes that the payload points to at {pointer:#x}: {error}", size_of::<U>())
            })?;
            if check(&from_bytes::<U>(&bytes)) {
                Ok(())
            } else {
                Err(format!("the input check rejected the {}-byte value at {pointer:#x}", size_of::<U>()))
            }
        }))
    }

    /// Writes `value` through an address stored in the caller's payload: `address`
    /// returns it from the payload (such as the `data` field of `struct sev_issue_cmd`,
    /// which points to a command's own struct). The fake writes exactly `size_of::<U>()`
    /// bytes there, after the input checks passed and before the call returns.
    ///
    /// # Safety
    ///
    /// For every call that matches this expectation, the address that `address` returns
    /// must point to `size_of::<U>()` bytes of the caller's memory. The caller handed them
    /// to the ioctl for the kernel to write, as a type valid for every bit pattern. The
    /// fake cannot check this: the ioctl's declaration types only the outer payload, and
    /// the address is whatever the caller stored. Add input checks
    /// ([`with_input`](Self::with_input)) that accept only the commands whose pointed-to
    /// struct is a `U`, such as a check of the command id.
    pub unsafe fn writes_through<U: AnyBitPattern>(
        mut self,
        address: impl Fn(&A::Payload) -> u64 + 'static,
        value: &U,
    ) -> Self {
        self.expectation.indirect.push(IndirectWrite {
            address: Box::new(move |payload: &[u8]| address(&from_bytes::<A::Payload>(payload))),
            bytes: memory::bytes_of(value),
        });
        self
    }
}

impl<A: Receives, R> Expect<A, R> {
    /// Writes `value` into the caller's payload before the call returns: the value that a
    /// `read` ioctl's call returns, or the new contents of a `readwrite` ioctl's argument.
    pub fn writes(mut self, value: &A::Payload) -> Self {
        self.expectation.reply = Some(ReplyBytes::Fixed(memory::bytes_of(value)));
        self
    }

    /// Writes `bytes` at the start of the caller's payload. More bytes than the size of the
    /// declared payload is an error in the script, so the fake never writes past the
    /// payload. Fewer bytes leave the rest of the payload as the caller left it.
    pub fn writes_bytes(mut self, bytes: &[u8]) -> Self {
        self.set_reply_bytes(bytes);
        self
    }
}

impl<T: AnyBitPattern, R> Expect<ReadWrite<T>, R> {
    /// Writes back the payload that the caller sent, after `update` changed it: for
    /// example, set the firmware error field of a command and keep its other fields.
    pub fn updates(mut self, update: impl Fn(&mut T) + 'static) -> Self {
        self.expectation.reply = Some(ReplyBytes::FromInput(Box::new(move |input: &[u8]| {
            let mut payload = from_bytes::<T>(input);
            update(&mut payload);
            memory::bytes_of(&payload)
        })));
        self
    }
}

impl<A: FlexArgument, R> Expect<A, R>
where
    A::Header: 'static,
{
    /// Checks the header and the elements that the caller sends: the call matches only if
    /// `check` returns `true`. The fake reads as many elements as the header counts.
    pub fn with_elements(
        self,
        check: impl Fn(&A::Header, &[<A::Header as FlexHeader>::Element]) -> bool + 'static,
    ) -> Self {
        self.check(Box::new(move |input: &Input<'_>| {
            let header = from_bytes::<A::Header>(input.payload);
            let elements = elements_from_bytes::<A::Header>(input.payload);
            if check(&header, &elements) {
                Ok(())
            } else {
                Err("the input check rejected the header or the elements".to_string())
            }
        }))
    }
}

impl<H: FlexHeader + 'static, R> Expect<ReadWriteFlex<H>, R> {
    /// Writes `header` and `elements` into the caller's payload before the call returns.
    ///
    /// The fake writes at most as many elements as the caller's header counted, because
    /// that is all the caller allocated; the rest are left out. To make the caller grow
    /// its buffer, write a header whose count is the number needed and fail with `E2BIG`,
    /// as `KVM_GET_MSR_INDEX_LIST` does.
    pub fn writes_elements(mut self, header: &H, elements: &[H::Element]) -> Self {
        let header = memory::bytes_of(header);
        let elements: Vec<H::Element> = elements.to_vec();
        self.expectation.reply = Some(ReplyBytes::FromInput(Box::new(move |input: &[u8]| {
            let room = flex_count::<H>(input).min(elements.len());
            let mut bytes = header.to_vec();
            for element in &elements[..room] {
                bytes.extend_from_slice(&memory::bytes_of(element));
            }
            bytes.into_boxed_slice()
        })));
        self
    }
}

impl Expect<Described, Described> {
    /// Expects the integer argument `value`. For an ioctl whose argument is not a value,
    /// this is an error in the script.
    pub fn with_value(mut self, value: u64) -> Self {
        if self.expectation.kind != ArgumentKind::Value {
            let kind = self.expectation.kind.name();
            self.problem(&format!("with_value: the ioctl's argument is `{kind}`, not an integer value"));
        }
        self.expectation.value = Some(value);
        self
    }

    /// Checks the payload that the caller sends, as raw bytes of the described size. For
    /// an ioctl that sends no payload, this is an error in the script.
    pub fn with_input_bytes(mut self, check: impl Fn(&[u8]) -> bool + 'static) -> Self {
        if !self.expectation.reads_payload() {
            let kind = self.expectation.kind.name();
            self.problem(&format!("with_input_bytes: the ioctl's argument is `{kind}`, so the caller sends no payload"));
        }
        self.check(Box::new(move |input: &Input<'_>| {
            if check(input.payload) {
                Ok(())
            } else {
                Err("the input check rejected the payload".to_string())
            }
        }))
    }

    /// Writes `bytes` at the start of the caller's payload. More bytes than the described
    /// size, or an ioctl whose argument is not `read` or `readwrite`, is an error in the
    /// script.
    ///
    /// # Safety
    ///
    /// The `IoctlInfo` that started this expectation describes the request truthfully: the
    /// caller's argument for it is at least `argument_size` bytes that the kernel may
    /// write. An `IoctlInfo` from a `table NAME;` list of `ioctl!` carries the promise of
    /// that declaration's `unsafe` block; one built by hand carries none.
    pub unsafe fn writes_bytes_unchecked(mut self, bytes: &[u8]) -> Self {
        if !matches!(self.expectation.kind, ArgumentKind::Read | ArgumentKind::ReadWrite) {
            let kind = self.expectation.kind.name();
            self.problem(&format!("writes_bytes_unchecked: the ioctl's argument is `{kind}`, which the kernel does not write"));
            return self;
        }
        self.set_reply_bytes(bytes);
        self
    }
}

/// Reads a `T` from the start of `bytes`; missing bytes are zero.
pub(crate) fn from_bytes<T: AnyBitPattern>(bytes: &[u8]) -> T {
    let mut value = MaybeUninit::<T>::zeroed();
    let len = bytes.len().min(size_of::<T>());
    // SAFETY: `len` is at most `size_of::<T>()` and at most `bytes.len()`, and the two
    // buffers do not overlap.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), value.as_mut_ptr().cast::<u8>(), len) };
    // SAFETY: `value` started as zeros and received initialized bytes; every bit pattern
    // is a valid `T`.
    unsafe { value.assume_init() }
}

/// Reads the elements that follow a header `H` in `bytes`, as many as fit.
fn elements_from_bytes<H: FlexHeader>(bytes: &[u8]) -> Vec<H::Element> {
    let size = size_of::<H::Element>().max(1);
    let elements = bytes.get(size_of::<H>()..).unwrap_or_default();
    elements.chunks_exact(size).map(from_bytes::<H::Element>).collect()
}

/// Mistakes found while building a [`Script`], returned by
/// [`FakeDevice::new`](crate::FakeDevice::new) inside an [`std::io::Error`] of kind
/// `InvalidInput`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    problems: Vec<String>,
}

impl ScriptError {
    pub(crate) fn new(problems: Vec<String>) -> ScriptError {
        ScriptError { problems }
    }

    /// Returns one message per mistake, each naming the expectation by its index and call.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Returns the `ScriptError` inside an error returned by `FakeDevice::new`.
    pub fn from_io(error: &std::io::Error) -> Option<&ScriptError> {
        error.get_ref()?.downcast_ref::<ScriptError>()
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the fake's script is invalid:")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptError {}
