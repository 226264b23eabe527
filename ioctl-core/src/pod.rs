//! [`AnyBitPattern`]: the property that a type must have for the kernel to write it.

/// A type for which every bit pattern of its size is a valid value.
///
/// The kernel writes whatever bytes it likes into the argument of a `read` or `readwrite`
/// ioctl, so only such types may be read. Integers, floats, arrays of such types and
/// structs or unions made only of such types qualify. `bool`, `char`, enums, references,
/// raw pointers, `NonZero*` and function pointers do not: some of their bit patterns are
/// invalid, or their values carry provenance that the kernel cannot give.
///
/// Derive it with [`#[derive(AnyBitPattern)]`](macro@crate::AnyBitPattern) on a
/// `#[repr(C)]`, `#[repr(C, packed)]` or `#[repr(transparent)]` struct or a `#[repr(C)]`
/// union; the derive checks the representation and every field.
///
/// # Safety
///
/// By implementing this trait you guarantee that:
/// - every initialized byte sequence of `size_of::<Self>()` bytes is a valid `Self`,
///   including all zeros;
/// - `Self` has no padding whose value matters, and no interior pointers, references or
///   other values whose validity depends on more than their bits.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive data from the kernel: not every bit pattern is a valid `{Self}`",
    label = "not valid for every bit pattern",
    note = "a `read` or `readwrite` payload, and each field of a struct that derives `ioctl_core::AnyBitPattern`, must be an integer, a float, an array of them, or a `#[repr(C)]` struct that derives it; keep a `bool`, enum or `NonZero` value in an integer field and convert it after the call"
)]
pub unsafe trait AnyBitPattern: Sized {}

macro_rules! impl_any_bit_pattern {
    ($($ty:ty),* $(,)?) => {
        $(
            // SAFETY: every bit pattern of a primitive integer or float is a valid value.
            unsafe impl AnyBitPattern for $ty {}
        )*
    };
}

impl_any_bit_pattern!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

// SAFETY: an array has no padding between elements, so it is valid for every bit pattern
// when its element is.
unsafe impl<T: AnyBitPattern, const N: usize> AnyBitPattern for [T; N] {}

// SAFETY: `Wrapping<T>` is `repr(transparent)` over `T`.
unsafe impl<T: AnyBitPattern> AnyBitPattern for core::num::Wrapping<T> {}

/// Returns a value of `T` whose bytes are all zero.
pub fn zeroed<T: AnyBitPattern>() -> T {
    // SAFETY: `T: AnyBitPattern` makes all-zero bytes a valid `T`.
    unsafe { core::mem::zeroed() }
}
