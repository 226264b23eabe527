//! Records of the calls that reached a fake, and the result of checking them at the end.

use std::fmt;
use std::os::fd::RawFd;

use ioctl_core::AnyBitPattern;
use libc::c_int;

use crate::script::{describe_call, from_bytes, Device};

/// One `ioctl` system call that the fake intercepted, in the order of arrival.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The fake device that the descriptor referred to, or `None` when the number no
    /// longer referred to a fake device and the call went to the kernel.
    pub device: Option<Device>,
    /// The descriptor number that the caller passed.
    pub fd: RawFd,
    /// The request number.
    pub request: u32,
    /// The name of the matched expectation (see [`Expect::named`](crate::Expect::named)
    /// and [`Script::expect_info`](crate::Script::expect_info)), if it has one.
    pub name: Option<&'static str>,
    /// The third argument as the caller passed it: an address, an integer or 0.
    pub argument: u64,
    /// The payload bytes that the fake read at the argument address: the declared
    /// payload of a `write` or `readwrite` ioctl. For an unexpected call whose request
    /// number encodes a write direction, the encoded size is read instead. When that read
    /// fails, or the call sends no payload, this is empty.
    pub input: Vec<u8>,
    /// The fake's response.
    pub reply: Reply,
    /// The index, in script order, of the expectation that the call matched.
    pub expectation: Option<usize>,
}

impl Call {
    /// Returns the input payload as a `T`; bytes that the fake did not read are zero.
    pub fn input_as<T: AnyBitPattern>(&self) -> T {
        from_bytes(&self.input)
    }

    /// Returns the reason why this call is a failure of the test: an unexpected call, or
    /// a scripted reply that the fake could not deliver.
    pub fn problem(&self) -> Option<&str> {
        match &self.reply {
            Reply::Unexpected { reason, .. } | Reply::Undelivered { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.device {
            Some(device) => f.write_str(&describe_call(self.name, self.request, device))?,
            None => write!(f, "request {:#010x} on fd {}", self.request, self.fd)?,
        }
        write!(f, ": {}", self.reply)
    }
}

/// The fake's response to one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The call returned this value, as scripted.
    Returned(c_int),
    /// The call failed with this error number, as scripted.
    Failed(c_int),
    /// The call returned a new descriptor, this number in the caller's process.
    ReturnedFd(RawFd),
    /// The script did not expect the call; it failed with `errno`.
    Unexpected {
        /// The error number that the caller received.
        errno: c_int,
        /// The reason that no expectation matched.
        reason: String,
    },
    /// The call matched, but the fake could not carry out the scripted reply.
    Undelivered {
        /// The error number that the caller received, or `None` when the call had already
        /// ended (the caller was killed) and received nothing from the fake.
        errno: Option<c_int>,
        /// What failed.
        reason: String,
    },
    /// The descriptor number no longer referred to a fake device (the code under test
    /// closed it and the number was reused), so the kernel served the call.
    PassedToKernel,
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Returned(value) => write!(f, "returned {value}"),
            Reply::Failed(errno) => write!(f, "failed with {}", errno_name(*errno)),
            Reply::ReturnedFd(fd) => write!(f, "returned descriptor {fd}"),
            Reply::Unexpected { errno, reason } => {
                write!(f, "unexpected ({reason}); failed with {}", errno_name(*errno))
            }
            Reply::Undelivered { errno: Some(errno), reason } => {
                write!(f, "reply not delivered ({reason}); failed with {}", errno_name(*errno))
            }
            Reply::Undelivered { errno: None, reason } => write!(f, "reply not delivered ({reason})"),
            Reply::PassedToKernel => write!(f, "passed to the kernel"),
        }
    }
}

/// Formats an error number as its message and number: `Input/output error (os error 5)`.
fn errno_name(errno: c_int) -> String {
    std::io::Error::from_raw_os_error(errno).to_string()
}

/// The result of [`FakeDevice::finish`](crate::FakeDevice::finish) when the calls did not
/// meet the script: expected calls that never came, unexpected calls, replies that could
/// not be delivered, or a failure of the fake itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinishError {
    pub(crate) calls: Vec<Call>,
    pub(crate) unmet: Vec<String>,
    pub(crate) faults: Vec<String>,
}

impl FinishError {
    /// Returns every call that reached the fake, expected or not.
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// Returns one message per expectation with calls left, such as
    /// `expectation 2 (KVM_GET_REGS (0x8090ae81) on main): 1 of 1 calls missing`.
    pub fn unmet(&self) -> &[String] {
        &self.unmet
    }

    /// Returns the calls that are failures: unexpected calls and undelivered replies.
    pub fn problems(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|call| call.problem().is_some())
    }

    /// Returns failures of the fake itself, such as a listener error that ended the
    /// supervision early.
    pub fn faults(&self) -> &[String] {
        &self.faults
    }
}

impl fmt::Display for FinishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the calls did not meet the fake's script")?;
        if !self.unmet.is_empty() {
            write!(f, "\nexpected calls that did not come:")?;
            for line in &self.unmet {
                write!(f, "\n  - {line}")?;
            }
        }
        if self.problems().next().is_some() {
            write!(f, "\ncalls that failed:")?;
            for (index, call) in self.calls.iter().enumerate() {
                if call.problem().is_some() {
                    write!(f, "\n  - call {index}: {call}")?;
                }
            }
        }
        if !self.faults.is_empty() {
            write!(f, "\nfailures of the fake:")?;
            for fault in &self.faults {
                write!(f, "\n  - {fault}")?;
            }
        }
        write!(f, "\nall calls, in order:")?;
        if self.calls.is_empty() {
            write!(f, " none")?;
        }
        for (index, call) in self.calls.iter().enumerate() {
            write!(f, "\n  {index}: {call}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FinishError {}
