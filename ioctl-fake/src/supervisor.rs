//! The supervisor loop: receives each notification, matches it against the script, copies
//! the reply into the caller's memory and sends the response.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::panic::{catch_unwind, AssertUnwindSafe};

use ioctl_core::{ArgumentKind, Direction, Layout};
use libc::{c_int, pid_t};

use crate::call::{Call, Reply};
use crate::fake::{file_id, FakeDevice, FileId};
use crate::memory;
use crate::script::{Device, Expectation, Input, Order, Outcome};
use crate::seccomp::{
    seccomp_notif, seccomp_notif_addfd, seccomp_notif_resp, Listener, SECCOMP_ADDFD_FLAG_SEND, SECCOMP_ADDFD_FLAG_SETFD,
    SECCOMP_IOCTL_NOTIF_ADDFD, SECCOMP_IOCTL_NOTIF_ID_VALID, SECCOMP_IOCTL_NOTIF_RECV, SECCOMP_IOCTL_NOTIF_SEND,
    SECCOMP_USER_NOTIF_FLAG_CONTINUE,
};

/// One intercepted call, as the notification describes it.
struct Incoming {
    id: u64,
    pid: pid_t,
    fd: RawFd,
    device: Device,
    request: u32,
    argument: u64,
}

/// The expectation that an incoming call matched, or the reason that none did.
enum Found {
    Match { index: usize, input: Vec<u8> },
    Unexpected { reason: String },
}

/// The result of the caller's system call, copied out of the matched expectation.
enum Action {
    Return(c_int),
    Fail(c_int),
    Fd(RawFd),
    Device(Device),
}

pub(crate) struct Supervisor<'a> {
    fake: &'a mut FakeDevice,
    listener: &'a Listener,
    own_pid: pid_t,
}

impl<'a> Supervisor<'a> {
    pub(crate) fn new(fake: &'a mut FakeDevice, listener: &'a Listener) -> Supervisor<'a> {
        Supervisor { fake, listener, own_pid: std::process::id() as pid_t }
    }

    /// Responds to notifications until `done` is readable and none is pending, or until
    /// the listener reports that no task uses the filter any more.
    pub(crate) fn serve(&mut self, done: BorrowedFd<'_>) {
        loop {
            let mut fds = [
                libc::pollfd { fd: self.listener.as_raw_fd(), events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: done.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            ];
            // SAFETY: `fds` is an array of two initialized pollfd structs that outlives the
            // call.
            let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if ready < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                self.fake.faults.push(format!("poll on the seccomp listener failed: {error}"));
                return;
            }
            if fds[0].revents & libc::POLLIN != 0 {
                if let Err(error) = self.receive() {
                    self.fake.faults.push(format!("SECCOMP_IOCTL_NOTIF_RECV failed: {error}"));
                    return;
                }
                continue;
            }
            if fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                return;
            }
            if fds[1].revents & libc::POLLIN != 0 {
                return;
            }
        }
    }

    fn receive(&mut self) -> io::Result<()> {
        // The kernel rejects a receive buffer that is not all zeros.
        let mut notification = seccomp_notif::default();
        match SECCOMP_IOCTL_NOTIF_RECV.call(self.listener, &mut notification) {
            Ok(()) => {
                self.answer(&notification);
                Ok(())
            }
            // ENOENT: the caller was interrupted or died after the poll, so no response is due.
            Err(error) if matches!(error.raw_os_error(), Some(libc::ENOENT) | Some(libc::EINTR)) => Ok(()),
            Err(error) => Err(error),
        }
    }

    fn answer(&mut self, notification: &seccomp_notif) {
        let pid = notification.pid as pid_t;
        // The kernel reads the descriptor and the request as `unsigned int`.
        let fd = notification.data.args[0] as u32 as RawFd;
        let request = notification.data.args[1] as u32;
        let argument = notification.data.args[2];

        let device = self.identity_of(pid, fd).ok().and_then(|identity| self.fake.device_with(identity));
        let Some(device) = device else {
            self.pass_to_kernel(notification.id, fd, request, argument);
            return;
        };

        let incoming = Incoming { id: notification.id, pid, fd, device, request, argument };
        match self.find(&incoming) {
            Found::Match { index, input } => self.reply(&incoming, index, input),
            Found::Unexpected { reason } => self.reject(&incoming, reason),
        }
    }

    /// Returns the identity of the file that `fd` refers to in task `pid`.
    fn identity_of(&self, pid: pid_t, fd: RawFd) -> io::Result<FileId> {
        if self.is_own_thread(pid) {
            return file_id(fd);
        }
        // A process that the code under test forked inherits the filter; its descriptor
        // table is its own.
        let path = CString::new(format!("/proc/{pid}/fd/{fd}")).expect("a formatted path has no NUL");
        let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
        // SAFETY: `path` is NUL-terminated and `stat` is writable for a `struct stat`.
        if unsafe { libc::stat(path.as_ptr(), stat.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: stat succeeded and filled the struct, which started zeroed.
        Ok(FileId::from_stat(&unsafe { stat.assume_init() }))
    }

    /// Returns whether `pid` is a thread of this process, which shares its descriptor
    /// table. Signal 0 only checks that the thread exists in the thread group.
    fn is_own_thread(&self, pid: pid_t) -> bool {
        // SAFETY: tgkill with signal 0 sends nothing.
        unsafe { libc::syscall(libc::SYS_tgkill, self.own_pid, pid, 0) == 0 }
    }

    /// Lets the kernel serve a call whose descriptor number no longer refers to a fake
    /// device.
    fn pass_to_kernel(&mut self, id: u64, fd: RawFd, request: u32, argument: u64) {
        let reply = match send(self.listener, id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE) {
            Ok(()) => Reply::PassedToKernel,
            Err(error) => {
                // Kernels before 5.5 lack SECCOMP_USER_NOTIF_FLAG_CONTINUE.
                let errno = send_error(self.listener, id, libc::EBADF).ok().map(|()| libc::EBADF);
                Reply::Undelivered {
                    errno,
                    reason: format!("the descriptor no longer refers to a fake device, and passing the call to the kernel failed: {error}"),
                }
            }
        };
        self.fake.calls.push(Call { device: None, fd, request, name: None, argument, input: Vec::new(), reply, expectation: None });
    }

    fn find(&self, incoming: &Incoming) -> Found {
        let script = &self.fake.script;
        let pending = script.expectations.iter().enumerate().filter(|(_, expectation)| expectation.remaining > 0);
        let candidates: Vec<(usize, &Expectation)> = match script.order {
            Order::InOrder => pending.take(1).collect(),
            Order::AnyOrder => pending.collect(),
        };
        if candidates.is_empty() {
            return Found::Unexpected { reason: "the script expects no more calls".to_string() };
        }

        let mut reasons = Vec::new();
        for (index, expectation) in candidates {
            if expectation.device != incoming.device || expectation.request != incoming.request {
                if script.order == Order::InOrder {
                    reasons.push(format!("the next expected call is {}", expectation.describe()));
                }
                continue;
            }
            match check_input(expectation, incoming) {
                Ok(input) => return Found::Match { index, input },
                Err(reason) => reasons.push(format!("expectation {index} ({}): {reason}", expectation.describe())),
            }
        }
        if reasons.is_empty() {
            reasons.push("no pending expectation has this request on this device".to_string());
        }
        Found::Unexpected { reason: reasons.join("; ") }
    }

    fn reject(&mut self, incoming: &Incoming, reason: String) {
        let errno = self.fake.script.unexpected_errno;
        let input = unexpected_input(incoming);
        let reason = match send_error(self.listener, incoming.id, errno) {
            Ok(()) => reason,
            Err(error) => format!("{reason}; the error reply failed: {error}"),
        };
        self.record(incoming, None, input, Reply::Unexpected { errno, reason });
    }

    fn reply(&mut self, incoming: &Incoming, index: usize, input: Vec<u8>) {
        let expectation = &mut self.fake.script.expectations[index];
        expectation.remaining -= 1;
        let action = match &expectation.outcome {
            Outcome::Return(value) => Action::Return(*value),
            Outcome::Fail(errno) => Action::Fail(*errno),
            Outcome::Fd(fd) => Action::Fd(fd.as_raw_fd()),
            Outcome::Device(device) => Action::Device(*device),
        };

        if let Err(reason) = write_reply(self.listener, incoming, expectation, &input) {
            let errno = send_error(self.listener, incoming.id, libc::EFAULT).ok().map(|()| libc::EFAULT);
            self.record(incoming, Some(index), input, Reply::Undelivered { errno, reason });
            return;
        }

        let reply = match action {
            Action::Return(value) => match send(self.listener, incoming.id, i64::from(value), 0, 0) {
                Ok(()) => Reply::Returned(value),
                Err(error) => undelivered_send(error),
            },
            Action::Fail(errno) => match send_error(self.listener, incoming.id, errno) {
                Ok(()) => Reply::Failed(errno),
                Err(error) => undelivered_send(error),
            },
            Action::Fd(fd) => match send_fd(self.listener, incoming.id, fd, None) {
                Ok(number) => Reply::ReturnedFd(number),
                Err(error) => self.fd_failed(incoming.id, error),
            },
            Action::Device(device) => self.send_device(incoming.id, device),
        };
        self.record(incoming, Some(index), input, reply);
    }

    /// Installs a new descriptor of `device` at a reserved number in the caller and
    /// returns it as the call's result.
    fn send_device(&mut self, id: u64, device: Device) -> Reply {
        // `FakeDevice::new` creates every device that a reply returns, so this always finds one.
        let Some(pin) = self.fake.devices.iter().find(|file| file.device == device).map(|file| file.pin.as_raw_fd()) else {
            let errno = send_error(self.listener, id, libc::ENODEV).ok().map(|()| libc::ENODEV);
            return Reply::Undelivered { errno, reason: format!("the fake has no file for device {device:?}") };
        };
        let Some(placeholder) = self.fake.placeholders.iter_mut().find(|placeholder| placeholder.fd.is_some()) else {
            let errno = send_error(self.listener, id, libc::EMFILE).ok().map(|()| libc::EMFILE);
            return Reply::Undelivered {
                errno,
                reason: "every descriptor number reserved for returned devices was handed out".to_string(),
            };
        };
        match send_fd(self.listener, id, pin, Some(placeholder.number)) {
            Ok(number) => {
                placeholder.release();
                Reply::ReturnedFd(number)
            }
            Err(error) => self.fd_failed(id, error),
        }
    }

    fn fd_failed(&self, id: u64, error: io::Error) -> Reply {
        let errno = send_error(self.listener, id, libc::ENOSYS).ok().map(|()| libc::ENOSYS);
        let hint = if error.raw_os_error() == Some(libc::EINVAL) {
            " (returning a descriptor needs SECCOMP_IOCTL_NOTIF_ADDFD, Linux 5.9 or later)"
        } else {
            ""
        };
        Reply::Undelivered { errno, reason: format!("cannot install the descriptor in the caller: {error}{hint}") }
    }

    fn record(&mut self, incoming: &Incoming, index: Option<usize>, input: Vec<u8>, reply: Reply) {
        let name = index.and_then(|index| self.fake.script.expectations[index].name);
        self.fake.calls.push(Call {
            device: Some(incoming.device),
            fd: incoming.fd,
            request: incoming.request,
            name,
            argument: incoming.argument,
            input,
            reply,
            expectation: index,
        });
    }
}

/// Checks the argument of `incoming` against `expectation`, and returns the payload that
/// the caller sent (empty when it sends none), or why the call does not match.
fn check_input(expectation: &Expectation, incoming: &Incoming) -> Result<Vec<u8>, String> {
    let argument = incoming.argument;
    match expectation.kind {
        ArgumentKind::None if argument != 0 => {
            return Err(format!("the argument is {argument:#x}, but the ioctl takes none and the caller must pass 0"));
        }
        ArgumentKind::Value => {
            if let Some(value) = expectation.value.filter(|value| *value != argument) {
                return Err(format!("the argument is {argument:#x}, expected {value:#x}"));
            }
        }
        _ => {}
    }

    let payload = if expectation.reads_payload() { read_payload(expectation, incoming)? } else { Vec::new() };

    let input = Input { pid: incoming.pid, payload: &payload };
    for check in &expectation.checks {
        match catch_unwind(AssertUnwindSafe(|| check(&input))) {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => return Err(reason),
            Err(panic) => return Err(format!("the input check panicked: {}", panic_message(panic.as_ref()))),
        }
    }
    Ok(payload)
}

/// The largest flexible array payload that the fake reads, 16 MiB: far above what any
/// kernel interface takes, and small enough that a garbage count cannot exhaust memory.
const MAX_FLEX_PAYLOAD: usize = 16 << 20;

/// Reads the payload that the caller sends: the declared size, or for a flexible array
/// payload the header and as many elements as the header counts.
fn read_payload(expectation: &Expectation, incoming: &Incoming) -> Result<Vec<u8>, String> {
    let argument = incoming.argument;
    let header_size = expectation.payload_size;
    let read = |size: usize| {
        memory::read(incoming.pid, argument, size)
            .map_err(|error| format!("cannot read the {size}-byte payload at {argument:#x}: {error}"))
    };
    let header = read(header_size)?;
    let Some(flex) = expectation.flex else {
        return Ok(header);
    };
    let count = (flex.count)(&header);
    let size = count
        .checked_mul(flex.element_size)
        .and_then(|elements| elements.checked_add(header_size))
        .filter(|size| *size <= MAX_FLEX_PAYLOAD)
        .ok_or_else(|| format!("the header counts {count} elements, more than the fake reads ({MAX_FLEX_PAYLOAD} bytes)"))?;
    read(size)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "a value that is not a string"
    }
}

/// Reads what an unexpected call sends, for the record: the size that its request number
/// encodes, if the number has a write direction. A failed read records nothing.
fn unexpected_input(incoming: &Incoming) -> Vec<u8> {
    let decoded = Layout::NATIVE.decode(incoming.request);
    match decoded.direction {
        Some(Direction::Write | Direction::ReadWrite) if decoded.size > 0 => {
            memory::read(incoming.pid, incoming.argument, decoded.size as usize).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// Writes the expectation's replies into the caller's memory, after checking that the call
/// is still waiting.
fn write_reply(listener: &Listener, incoming: &Incoming, expectation: &Expectation, input: &[u8]) -> Result<(), String> {
    if !expectation.writes_memory() {
        return Ok(());
    }
    // seccomp_unotify(2): the notification must be validated before the supervisor acts
    // on the caller's memory, because the caller may have ended and its pid been reused.
    SECCOMP_IOCTL_NOTIF_ID_VALID
        .call(listener, &incoming.id)
        .map_err(|error| format!("the call ended before the fake wrote its reply: {error}"))?;

    let pid = incoming.pid;
    if let Some(reply) = &expectation.reply {
        let reply = reply.for_input(input);
        let writable = matches!(expectation.kind, ArgumentKind::Read | ArgumentKind::ReadWrite);
        // A flexible array payload is as large as the caller's header counted, which is
        // what the fake read as `input`.
        let bound = if expectation.flex.is_some() { input.len() } else { expectation.payload_size };
        if !writable || reply.len() > bound {
            // `Script` never builds such a reply; this keeps the bound in one place.
            return Err(format!(
                "rejected a reply of {} bytes for a `{}` argument of {bound} bytes",
                reply.len(),
                expectation.kind.name(),
            ));
        }
        // SAFETY: the expectation comes from an `Ioctl` declaration, or from an `IoctlInfo`
        // for which `writes_bytes_unchecked` took the promise. It states that the kernel
        // writes up to `bound` bytes at the argument of this request: the payload's size,
        // or the header and the elements that the caller's header counts, which `Flex`
        // checked against its allocation. The reply is no longer. The filter was installed
        // with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV because the script writes memory, so
        // the caller cannot leave the call before the response except by being killed, and
        // ID_VALID showed that it still waits.
        unsafe { memory::write(pid, incoming.argument, &reply) }
            .map_err(|error| format!("cannot write the {}-byte reply at {:#x}: {error}", reply.len(), incoming.argument))?;
    }
    for indirect in &expectation.indirect {
        let address = (indirect.address)(input);
        // SAFETY: `Expect::writes_through` is unsafe. Its caller guaranteed that for every
        // matching call this address starts `bytes.len()` writable bytes that the caller
        // handed to the ioctl. The caller still waits, as above.
        unsafe { memory::write(pid, address, &indirect.bytes) }.map_err(|error| {
            format!("cannot write the {}-byte reply through the payload's address {address:#x}: {error}", indirect.bytes.len())
        })?;
    }
    Ok(())
}

fn undelivered_send(error: io::Error) -> Reply {
    Reply::Undelivered { errno: None, reason: format!("SECCOMP_IOCTL_NOTIF_SEND failed: {error}") }
}

fn send(listener: &Listener, id: u64, val: i64, error: c_int, flags: u32) -> io::Result<()> {
    let mut response = seccomp_notif_resp { id, val, error, flags };
    SECCOMP_IOCTL_NOTIF_SEND.call(listener, &mut response)
}

fn send_error(listener: &Listener, id: u64, errno: c_int) -> io::Result<()> {
    send(listener, id, 0, -errno, 0)
}

/// Installs a descriptor for the file of `source` in the caller, at `target` if given,
/// and makes its number the call's result. Returns that number.
fn send_fd(listener: &Listener, id: u64, source: RawFd, target: Option<RawFd>) -> io::Result<RawFd> {
    let set_fd = if target.is_some() { SECCOMP_ADDFD_FLAG_SETFD } else { 0 };
    let mut request = seccomp_notif_addfd {
        id,
        flags: set_fd | SECCOMP_ADDFD_FLAG_SEND,
        srcfd: source as u32,
        newfd: target.unwrap_or(0) as u32,
        newfd_flags: libc::O_CLOEXEC as u32,
    };
    match SECCOMP_IOCTL_NOTIF_ADDFD.call(listener, &request) {
        Ok(number) => Ok(number),
        // Linux 5.9 to 5.13 have ADDFD without SECCOMP_ADDFD_FLAG_SEND: install, then respond.
        Err(error) if error.raw_os_error() == Some(libc::EINVAL) => {
            request.flags = set_fd;
            let number = SECCOMP_IOCTL_NOTIF_ADDFD.call(listener, &request)?;
            send(listener, id, i64::from(number), 0, 0)?;
            Ok(number)
        }
        Err(error) => Err(error),
    }
}
