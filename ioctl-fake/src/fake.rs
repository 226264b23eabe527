//! [`FakeDevice`]: the fake descriptors, the dedicated thread that runs the code under test
//! and the supervisor that responds to its calls.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::mpsc;

use crate::call::{Call, FinishError};
use crate::script::{Device, Script, ScriptError};
use crate::seccomp::{self, SyscallAbi, MAX_FILTER_FDS};
use crate::supervisor::Supervisor;

/// A scripted fake device: descriptors whose ioctls, issued by code that
/// [`run`](FakeDevice::run) executes, get the responses of a [`Script`].
///
/// See the [crate documentation](crate) for how it works and what it cannot do.
pub struct FakeDevice {
    pub(crate) script: Script,
    abi: SyscallAbi,
    pub(crate) devices: Vec<DeviceFile>,
    pub(crate) placeholders: Vec<Placeholder>,
    pub(crate) calls: Vec<Call>,
    pub(crate) faults: Vec<String>,
}

/// The identity of an open file: device and inode number. Each memfd has its own inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    pub(crate) fn from_stat(stat: &libc::stat) -> FileId {
        FileId { dev: stat.st_dev, ino: stat.st_ino }
    }
}

/// The file behind one fake device.
pub(crate) struct DeviceFile {
    pub device: Device,
    /// The descriptor number that the filter matches: that of the descriptor handed out
    /// by `take_fd`.
    number: RawFd,
    /// The descriptor for `take_fd`, until it is taken.
    handout: Option<OwnedFd>,
    /// A duplicate that the fake keeps, so the file and its identity outlive the handed
    /// out descriptor, and the source of descriptors returned by `returns_device`.
    pub pin: OwnedFd,
    pub identity: FileId,
}

/// A descriptor number reserved for a device that a call returns. The supervisor
/// replaces the placeholder file at this number with the device (`SECCOMP_ADDFD_FLAG_SETFD`),
/// and the caller then owns the number.
pub(crate) struct Placeholder {
    pub number: RawFd,
    /// The placeholder file, until the number is handed out.
    pub fd: Option<OwnedFd>,
}

impl Placeholder {
    /// Gives up ownership of the number after the kernel installed a device there for the
    /// caller.
    pub(crate) fn release(&mut self) {
        if let Some(fd) = self.fd.take() {
            // The number now refers to the device and belongs to the caller's call.
            let _ = fd.into_raw_fd();
        }
    }
}

fn memfd(name: &std::ffi::CStr) -> io::Result<OwnedFd> {
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: memfd_create returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub(crate) fn file_id(fd: RawFd) -> io::Result<FileId> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: `stat` is writable for a `struct stat`; an fd that is not open is an error.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstat succeeded and filled the struct, which started zeroed.
    Ok(FileId::from_stat(&unsafe { stat.assume_init() }))
}

impl DeviceFile {
    fn create(device: Device) -> io::Result<DeviceFile> {
        let handout = memfd(c"ioctl-fake-device")?;
        let pin = handout.try_clone()?;
        let identity = file_id(pin.as_raw_fd())?;
        Ok(DeviceFile {
            device,
            number: handout.as_raw_fd(),
            handout: Some(handout),
            pin,
            identity,
        })
    }
}

impl FakeDevice {
    /// Creates the fake's descriptors for the devices that `script` names.
    ///
    /// # Errors
    ///
    /// - `InvalidInput` with a [`ScriptError`] inside when the script has mistakes, such
    ///   as a reply larger than its payload;
    /// - `Unsupported` on a target other than Linux x86_64 or little-endian aarch64;
    /// - `InvalidInput` when the script needs more than 250 descriptors;
    /// - the error of `memfd_create` or `fcntl` when a descriptor cannot be created.
    pub fn new(mut script: Script) -> io::Result<FakeDevice> {
        if !script.problems.is_empty() {
            let problems = std::mem::take(&mut script.problems);
            return Err(io::Error::new(io::ErrorKind::InvalidInput, ScriptError::new(problems)));
        }
        let abi = SyscallAbi::native()?;

        let devices = script.devices().into_iter().map(DeviceFile::create).collect::<io::Result<Vec<_>>>()?;
        let mut placeholders = Vec::new();
        for _ in 0..script.device_handouts() {
            let fd = memfd(c"ioctl-fake-placeholder")?;
            placeholders.push(Placeholder { number: fd.as_raw_fd(), fd: Some(fd) });
        }
        let count = devices.len() + placeholders.len();
        if count > MAX_FILTER_FDS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the script needs {count} descriptors ({} devices and {} returned devices), more than the {MAX_FILTER_FDS} that one fake intercepts",
                    devices.len(),
                    placeholders.len()
                ),
            ));
        }

        Ok(FakeDevice { script, abi, devices, placeholders, calls: Vec::new(), faults: Vec::new() })
    }

    /// Returns the descriptor of `device`, such as [`Device::MAIN`], for the code under
    /// test. Each device's descriptor can be taken once.
    ///
    /// The script serves its `ioctl` calls only while the code that [`run`](Self::run)
    /// executes issues them, and only through this descriptor number. A duplicate made
    /// with `dup` or [`OwnedFd::try_clone`] has another number, so its calls reach the
    /// kernel, which rejects them because the file is a memfd.
    ///
    /// To wrap it in a typed handle of `ioctl!`, call the handle's unsafe
    /// `from_fd_unchecked`; the [crate documentation](crate#typed-handles) states what its
    /// safety comment relies on.
    ///
    /// # Errors
    ///
    /// `NotFound` when the script does not name `device`, `InvalidInput` when its
    /// descriptor was already taken.
    pub fn take_fd(&mut self, device: Device) -> io::Result<OwnedFd> {
        let Some(file) = self.devices.iter_mut().find(|file| file.device == device) else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("device {:?} is not in the script; name it with `Expect::on` or `Expect::returns_device`", device.name()),
            ));
        };
        file.handout.take().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("the descriptor of device {:?} was already taken", device.name()))
        })
    }

    /// Runs `code` on a new thread whose `ioctl` calls on the fake's descriptors get the
    /// script's responses, and returns what `code` returned.
    ///
    /// The thread installs a seccomp filter first; the calling thread serves the calls
    /// until `code` returns. A panic in `code` is resumed on the calling thread after the
    /// supervision ended. `run` can be called again: the script continues where the last
    /// run left it.
    ///
    /// # Errors
    ///
    /// The filter could not be installed, and `code` did not run. The error names the
    /// cause, for example a kernel older than Linux 5.0, a script that writes into the caller's
    /// memory on a kernel older than 5.19, or a `run` inside another fake's `run`.
    pub fn run<T, F>(&mut self, code: F) -> io::Result<T>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        let program = seccomp::ioctl_filter(self.abi, &self.filter_numbers())?;
        let require_wait_killable = self.script.writes_memory();
        let done = DoneSignal::new()?;

        let (installed, joined) = std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::sync_channel(1);
            let program = &program;
            let done = &done;
            let worker = std::thread::Builder::new().name("ioctl-fake-caller".to_string()).spawn_scoped(scope, move || {
                let _signal = done.signal_on_drop();
                match seccomp::install(program, require_wait_killable) {
                    Ok(listener) => {
                        // The receiver lives until it received this message, so the send
                        // cannot fail.
                        let _ = sender.send(Ok(listener));
                        Some(code())
                    }
                    Err(error) => {
                        let _ = sender.send(Err(io::Error::from(error)));
                        None
                    }
                }
            });
            let worker = match worker {
                Ok(worker) => worker,
                Err(error) => return (Err(error), None),
            };
            let installed = match receiver.recv() {
                Ok(Ok(listener)) => {
                    Supervisor::new(self, &listener).serve(done.fd.as_fd());
                    // Closing the listener makes any later notification of threads that
                    // `code` started fail with ENOSYS instead of waiting for a response.
                    drop(listener);
                    Ok(())
                }
                Ok(Err(error)) => Err(error),
                Err(mpsc::RecvError) => Err(io::Error::other("the fake's caller thread ended before installing its filter")),
            };
            (installed, Some(worker.join()))
        });

        match (installed, joined) {
            (_, Some(Err(panic))) => std::panic::resume_unwind(panic),
            (_, Some(Ok(Some(value)))) => Ok(value),
            (Err(error), _) => Err(error),
            // The caller thread runs `code` whenever it installed the filter.
            (Ok(()), _) => Err(io::Error::other("the fake's caller thread ended without running the code")),
        }
    }

    /// Returns the calls recorded so far, in the order they arrived.
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// Ends the fake and returns every call that reached it, or a [`FinishError`] if an
    /// expected call did not come, an unexpected call came, a reply could not be
    /// delivered, or the fake itself failed.
    pub fn finish(self) -> Result<Vec<Call>, FinishError> {
        let unmet: Vec<String> = self
            .script
            .expectations
            .iter()
            .enumerate()
            .filter(|(_, expectation)| expectation.remaining > 0)
            .map(|(index, expectation)| {
                format!(
                    "expectation {index} ({}): {} of {} calls missing",
                    expectation.describe(),
                    expectation.remaining,
                    expectation.times
                )
            })
            .collect();
        let failed = self.calls.iter().any(|call| call.problem().is_some());
        if unmet.is_empty() && !failed && self.faults.is_empty() {
            return Ok(self.calls);
        }
        Err(FinishError { calls: self.calls.clone(), unmet, faults: self.faults.clone() })
    }

    /// Returns every descriptor number that the filter matches.
    fn filter_numbers(&self) -> Vec<RawFd> {
        let devices = self.devices.iter().map(|file| file.number);
        let placeholders = self.placeholders.iter().map(|placeholder| placeholder.number);
        devices.chain(placeholders).collect()
    }

    /// Returns the device whose file has `identity`.
    pub(crate) fn device_with(&self, identity: FileId) -> Option<Device> {
        self.devices.iter().find(|file| file.identity == identity).map(|file| file.device)
    }
}

impl fmt::Debug for FakeDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let devices: Vec<(Device, RawFd)> = self.devices.iter().map(|file| (file.device, file.number)).collect();
        f.debug_struct("FakeDevice")
            .field("devices", &devices)
            .field("script", &self.script)
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

/// An eventfd that the caller thread signals when `code` returns or panics, so that the
/// supervisor stops.
struct DoneSignal {
    fd: OwnedFd,
}

impl DoneSignal {
    fn new() -> io::Result<DoneSignal> {
        // SAFETY: eventfd takes integers and returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: eventfd returned a new descriptor that nothing else owns.
        Ok(DoneSignal { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    fn signal_on_drop(&self) -> SignalOnDrop<'_> {
        SignalOnDrop(self)
    }
}

struct SignalOnDrop<'a>(&'a DoneSignal);

impl Drop for SignalOnDrop<'_> {
    fn drop(&mut self) {
        let increment: u64 = 1;
        // SAFETY: writes 8 readable bytes to an eventfd that outlives this guard. It cannot
        // fail: the counter is far below its maximum.
        unsafe { libc::write(self.0.fd.as_raw_fd(), (&increment as *const u64).cast(), size_of::<u64>()) };
    }
}
