//! [`Ioctl`]: a request number bound to its fd kind, argument and return policy.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

use std::os::fd::BorrowedFd;

use libc::{c_int, c_ulong, c_void};

use crate::encode::{Decoded, Layout};
use crate::fd::Target;
use crate::flex::{Flex, FlexHeader, ReadWriteFlex, WriteFlex};
use crate::pod::AnyBitPattern;
use crate::ret::Return;
use crate::sys;

/// The argument of an ioctl that takes none. The call passes an explicit 0, because some
/// drivers (KVM among them) reject any other value in the third argument.
#[derive(Clone, Copy, Debug)]
pub enum NoArg {}

/// The argument of an ioctl through which the kernel writes a `T` (`_IOR`). The call
/// returns the `T`, built only after the kernel reported success.
pub struct Read<T>(PhantomData<fn() -> T>);

/// The argument of an ioctl through which the kernel reads a `T` (`_IOW`). The call takes
/// `&T`.
pub struct Write<T>(PhantomData<fn(T)>);

/// The argument of an ioctl through which the kernel reads a `T` and writes it back
/// (`_IOWR`). The call takes `&mut T`.
pub struct ReadWrite<T>(PhantomData<fn(T) -> T>);

/// The argument of an ioctl that takes an integer by value, such as `KVM_CREATE_VCPU`'s
/// vCPU id.
pub struct Value<T>(PhantomData<fn(T)>);

mod sealed {
    pub trait Sealed {}
}

/// An integer that can be passed by value as an ioctl's third argument.
///
/// Signed values are sign-extended to `unsigned long` and unsigned values zero-extended,
/// as a C cast `(unsigned long)value` does.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be passed by value to an ioctl",
    label = "not an integer type",
    note = "use an integer such as `c_ulong`, `c_int` or `u32`; pass a struct as a payload `=> Type`"
)]
pub trait IntArg: Copy + sealed::Sealed {
    /// Converts the value to the register-sized argument.
    fn to_arg(self) -> c_ulong;
}

macro_rules! impl_int_arg {
    ($($ty:ty),*) => {
        $(
            impl sealed::Sealed for $ty {}
            impl IntArg for $ty {
                #[inline(always)]
                fn to_arg(self) -> c_ulong {
                    // Sign- or zero-extends, as C's conversion to `unsigned long` does.
                    self as c_ulong
                }
            }
        )*
    };
}

impl_int_arg!(u8, u16, u32, usize, i8, i16, i32, isize);
#[cfg(target_pointer_width = "64")]
impl_int_arg!(u64, i64);

/// A declared ioctl: a request number bound to the fd kind `K` it applies to, its argument
/// `A` ([`NoArg`], [`Read`], [`Write`], [`ReadWrite`] or [`Value`]) and its return policy
/// `R` (see [`ret`](crate::ret)).
///
/// Values are made by the [`ioctl!`](crate::ioctl) macro, whose `unsafe` block is where
/// the declaration is trusted; calling [`call`](Ioctl::call) is then safe.
pub struct Ioctl<K: ?Sized, A, R> {
    request: u32,
    retry: Retry,
    marker: PhantomData<fn(&K, A) -> R>,
}

/// The errors after which a call is issued again, as declared with `retry` in `ioctl!`.
///
/// The default, [`Retry::NEVER`], hands every error to the caller. `EINTR` is often a
/// result rather than noise: `KVM_RUN` returns it when a signal or `immediate_exit` kicks
/// the vCPU out, and a retry there would spin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Retry(u8);

impl Retry {
    /// Never retry.
    pub const NEVER: Retry = Retry(0);
    /// Retry when a signal interrupted the call (`EINTR`).
    pub const EINTR: Retry = Retry(1);
    /// Retry when the driver reports that the call would block (`EAGAIN`, also spelled
    /// `EWOULDBLOCK`).
    pub const EAGAIN: Retry = Retry(2);

    /// Returns the union of both sets.
    pub const fn and(self, other: Retry) -> Retry {
        Retry(self.0 | other.0)
    }

    /// Returns whether `self` contains every error of `other`.
    pub const fn contains(self, other: Retry) -> bool {
        self.0 & other.0 == other.0
    }

    /// Returns whether a call that failed with `errno` is issued again.
    #[inline(always)]
    pub const fn retries(self, errno: c_int) -> bool {
        (errno == libc::EINTR && self.contains(Retry::EINTR))
            || (errno == libc::EAGAIN && self.contains(Retry::EAGAIN))
    }
}

impl<K: ?Sized, A, R> Ioctl<K, A, R> {
    /// Binds `request` to an fd kind, argument and return policy.
    ///
    /// # Safety
    ///
    /// By calling this you guarantee that, on every file descriptor that implements
    /// [`Target<K>`](crate::Target), the driver serves `request` as follows:
    /// - with [`NoArg`], it ignores the third argument or accepts 0;
    /// - with [`Read<T>`](Read), it writes at most `size_of::<T>()` bytes through the
    ///   argument pointer and reads none;
    /// - with [`Write<T>`](Write), it reads at most `size_of::<T>()` bytes through the
    ///   argument pointer and writes none;
    /// - with [`ReadWrite<T>`](ReadWrite), it reads and writes at most `size_of::<T>()`
    ///   bytes through the argument pointer;
    /// - with [`Value<T>`](Value), it treats the third argument as an integer, never as an
    ///   address;
    /// - it keeps no pointer from the argument after the call returns, and every address
    ///   stored inside the payload that it reads or writes is valid for that access
    ///   whenever safe code can build such a payload;
    /// - when `R` is [`ret::Fd`](crate::ret::Fd) or [`ret::Typed<H>`](crate::ret::Typed),
    ///   a non-negative return value is a new descriptor owned by the caller (of the kind
    ///   `H` names, for `Typed<H>`).
    #[inline(always)]
    pub const unsafe fn new(request: u32) -> Self {
        Ioctl {
            request,
            retry: Retry::NEVER,
            marker: PhantomData,
        }
    }

    /// Returns this ioctl with a retry policy: a call that fails with an error in `retry`
    /// is issued again, with the same argument, until it returns anything else.
    ///
    /// Declare it only where the driver guarantees progress; a retried `EAGAIN` that never
    /// clears spins forever.
    pub const fn with_retry(self, retry: Retry) -> Self {
        Ioctl { retry, ..self }
    }

    /// Returns the retry policy.
    pub const fn retry(&self) -> Retry {
        self.retry
    }

    /// Issues the system call, again while it fails with an error of the retry policy.
    ///
    /// # Safety
    ///
    /// As for [`sys::ioctl`]: `arg` is valid for what this request does on `fd`.
    #[inline(always)]
    unsafe fn issue(&self, fd: BorrowedFd<'_>, arg: *mut c_void) -> io::Result<c_int> {
        loop {
            // SAFETY: the caller guarantees that `arg` is valid for this request on `fd`.
            match unsafe { sys::ioctl(fd, self.request, arg) } {
                Err(error) if error.raw_os_error().is_some_and(|errno| self.retry.retries(errno)) => continue,
                result => return result,
            }
        }
    }

    /// Returns the request number, as the kernel receives it.
    #[inline(always)]
    pub const fn request(&self) -> u32 {
        self.request
    }

    /// Splits the request number into direction, group, number and size, by the layout of
    /// the compilation target.
    pub const fn decode(&self) -> Decoded {
        Layout::NATIVE.decode(self.request)
    }
}

impl<K: ?Sized, A, R> Clone for Ioctl<K, A, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: ?Sized, A, R> Copy for Ioctl<K, A, R> {}

impl<K: ?Sized, A, R> fmt::Debug for Ioctl<K, A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decoded = self.decode();
        f.debug_struct("Ioctl")
            .field("request", &format_args!("{:#010x}", self.request))
            .field("direction", &decoded.direction)
            .field("group", &format_args!("{:#04x}", decoded.group))
            .field("number", &format_args!("{:#04x}", decoded.number))
            .field("size", &decoded.size)
            .field("retry", &self.retry)
            .finish()
    }
}

impl<K: ?Sized, R: Return> Ioctl<K, NoArg, R> {
    /// Issues the ioctl with 0 as its argument.
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F) -> io::Result<R::Output> {
        // SAFETY: the declaration promises that the driver accepts 0 for this request.
        let ret = unsafe { self.issue(fd.as_fd(), core::ptr::null_mut()) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        unsafe { R::from_return(ret) }
    }
}

impl<K: ?Sized, T: AnyBitPattern, R: Return> Ioctl<K, Read<T>, R> {
    /// Issues the ioctl and returns the value that the kernel wrote.
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F) -> io::Result<R::WithValue<T>> {
        // Zeroed rather than uninitialized: a driver that writes fewer bytes than
        // `size_of::<T>()` leaves zeros, which `T: AnyBitPattern` accepts.
        let mut value = MaybeUninit::<T>::zeroed();
        // SAFETY: the declaration promises that the kernel writes at most `size_of::<T>()`
        // bytes to the pointer, and `value` is that large and writable.
        let ret = unsafe { self.issue(fd.as_fd(), value.as_mut_ptr().cast::<c_void>()) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        let output = unsafe { R::from_return(ret) }?;
        // SAFETY: `value` started as zeros and the kernel wrote bytes into it; every bit
        // pattern is a valid `T`.
        let value = unsafe { value.assume_init() };
        Ok(R::with_value(output, value))
    }
}

impl<K: ?Sized, T, R: Return> Ioctl<K, Write<T>, R> {
    /// Issues the ioctl; the kernel reads `arg`.
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F, arg: &T) -> io::Result<R::Output> {
        let pointer = (arg as *const T).cast_mut().cast::<c_void>();
        // SAFETY: the declaration promises that the kernel only reads at most
        // `size_of::<T>()` bytes through the pointer, and `arg` is that large and readable.
        let ret = unsafe { self.issue(fd.as_fd(), pointer) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        unsafe { R::from_return(ret) }
    }
}

impl<K: ?Sized, T: AnyBitPattern, R: Return> Ioctl<K, ReadWrite<T>, R> {
    /// Issues the ioctl; the kernel reads `arg` and writes its result into it.
    ///
    /// On error the kernel may have written part of `arg`. Some ioctls report needed
    /// sizes that way (for example a count in a header on `E2BIG`).
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F, arg: &mut T) -> io::Result<R::Output> {
        let pointer = (arg as *mut T).cast::<c_void>();
        // SAFETY: the declaration promises that the kernel reads and writes at most
        // `size_of::<T>()` bytes through the pointer; `arg` is an exclusive borrow of that
        // many bytes, and any bytes written form a valid `T` because `T: AnyBitPattern`.
        let ret = unsafe { self.issue(fd.as_fd(), pointer) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        unsafe { R::from_return(ret) }
    }
}

impl<K: ?Sized, T: IntArg, R: Return> Ioctl<K, Value<T>, R> {
    /// Issues the ioctl with `value` as its integer argument.
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F, value: T) -> io::Result<R::Output> {
        let arg = core::ptr::without_provenance_mut::<c_void>(value.to_arg() as usize);
        // SAFETY: the declaration promises that the kernel treats the argument as an
        // integer, so no memory is accessed through it.
        let ret = unsafe { self.issue(fd.as_fd(), arg) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        unsafe { R::from_return(ret) }
    }
}

impl<K: ?Sized, H: FlexHeader, R: Return> Ioctl<K, WriteFlex<H>, R> {
    /// Issues the ioctl; the kernel reads the header and the elements it counts.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`], without calling the kernel, when the
    /// header counts more elements than `arg` has room for.
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F, arg: &Flex<H>) -> io::Result<R::Output> {
        let pointer = arg.checked_pointer()?.cast::<c_void>();
        // SAFETY: the declaration promises that the kernel reads the header and at most
        // as many elements as the header counts; `checked_pointer` verified that the
        // allocation has room for that many.
        let ret = unsafe { self.issue(fd.as_fd(), pointer) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        unsafe { R::from_return(ret) }
    }
}

impl<K: ?Sized, H: FlexHeader, R: Return> Ioctl<K, ReadWriteFlex<H>, R> {
    /// Issues the ioctl; the kernel reads the header, then writes the header and at most
    /// as many elements as the header counted.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`], without calling the kernel, when the
    /// header counts more elements than `arg` has room for. On error the kernel may have
    /// written the header: on `E2BIG`, several ioctls store the count they need there.
    #[inline(always)]
    pub fn call<F: Target<K> + ?Sized>(&self, fd: &F, arg: &mut Flex<H>) -> io::Result<R::Output> {
        let pointer = arg.checked_pointer()?.cast::<c_void>();
        // SAFETY: the declaration promises that the kernel accesses the header and at
        // most as many elements as the header counts; `checked_pointer` verified that the
        // allocation has room for that many, `arg` is borrowed exclusively, and any bytes written
        // are valid because header and elements are `AnyBitPattern`.
        let ret = unsafe { self.issue(fd.as_fd(), pointer) }?;
        // SAFETY: `ret` is this ioctl's return value and `R` is its declared policy.
        unsafe { R::from_return(ret) }
    }

    /// Issues the ioctl with room for `initial` elements and, while the kernel returns
    /// `E2BIG`, again with more room, up to `max` elements.
    ///
    /// The next capacity is the count that the kernel wrote into the header when it is
    /// larger than the current one (as `KVM_GET_MSR_INDEX_LIST` does), and twice the
    /// current one otherwise (as `KVM_GET_SUPPORTED_CPUID` needs). Returns the last
    /// `E2BIG` when `max` elements are not enough, and any other error at once.
    pub fn call_growing<F: Target<K> + ?Sized>(
        &self,
        fd: &F,
        initial: usize,
        max: usize,
    ) -> io::Result<(R::Output, Flex<H>)> {
        let mut capacity = initial.min(max);
        loop {
            let mut payload = Flex::<H>::with_capacity(capacity)?;
            match self.call(fd, &mut payload) {
                Ok(output) => return Ok((output, payload)),
                Err(error) if error.raw_os_error() == Some(libc::E2BIG) && capacity < max => {
                    let needed = payload.header().len();
                    let next = if needed > capacity { needed } else { capacity.saturating_mul(2).max(1) };
                    capacity = next.min(max);
                }
                Err(error) => return Err(error),
            }
        }
    }
}
