//! The descriptors that the benchmarks call ioctls on, made once per thread.

use std::cell::RefCell;
use std::io::{self, PipeReader, PipeWriter, Write};

use crate::guest::{Guest, KvmIoctlsGuest};
use crate::kvm::Kvm;

/// The bytes waiting in the benchmark pipe, which FIONREAD counts.
pub const PIPE_BYTES: &[u8] = b"ioctl";

/// Everything the benchmarks need. KVM is optional: without it, the KVM benchmarks are
/// skipped with the reason in `kvm`.
pub struct Fixture {
    pub pipe: PipeReader,
    _pipe_writer: PipeWriter,
    pub kvm: Result<KvmFixture, String>,
}

/// `/dev/kvm` and two copies of the benchmark guest.
pub struct KvmFixture {
    pub kvm: Kvm,
    pub guest: Guest,
    pub kvm_ioctls_guest: RefCell<KvmIoctlsGuest>,
}

impl Fixture {
    /// Creates the pipe and, when `/dev/kvm` opens, the guests.
    ///
    /// # Panics
    ///
    /// Panics when the pipe cannot be created or written.
    pub fn new() -> Fixture {
        let (pipe, mut pipe_writer) = io::pipe().expect("cannot create the benchmark pipe");
        pipe_writer.write_all(PIPE_BYTES).expect("cannot write to the benchmark pipe");
        Fixture {
            pipe,
            _pipe_writer: pipe_writer,
            kvm: KvmFixture::new(),
        }
    }

    /// Returns the pipe's read end.
    pub fn pipe(&self) -> Result<&PipeReader, String> {
        Ok(&self.pipe)
    }

    /// Returns the KVM descriptors, or why they are missing.
    pub fn kvm(&self) -> Result<&KvmFixture, String> {
        self.kvm.as_ref().map_err(Clone::clone)
    }
}

impl Default for Fixture {
    fn default() -> Fixture {
        Fixture::new()
    }
}

impl KvmFixture {
    fn new() -> Result<KvmFixture, String> {
        let kvm = Kvm::open().map_err(|error| error.to_string())?;
        let guest = Guest::new(&kvm).map_err(|error| format!("cannot set up the guest with ioctl-core: {error}"))?;
        let kvm_ioctls_guest =
            KvmIoctlsGuest::new().map_err(|error| format!("cannot set up the guest with kvm-ioctls: {error}"))?;
        Ok(KvmFixture {
            kvm,
            guest,
            kvm_ioctls_guest: RefCell::new(kvm_ioctls_guest),
        })
    }
}

thread_local! {
    static FIXTURE: Fixture = Fixture::new();
}

/// Calls `f` with this thread's fixture, creating it on first use.
pub fn with_fixture<T>(f: impl FnOnce(&Fixture) -> T) -> T {
    FIXTURE.with(f)
}
