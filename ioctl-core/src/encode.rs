//! Request-number encoding: the kernel's `_IOC` macro for each Linux layout.
//!
//! Linux packs four fields into a 32-bit request number:
//!
//! ```text
//! | direction | size | group ("type") | number |
//!   31 ...      ...    15 ........ 8    7 .... 0
//! ```
//!
//! The group and number fields are 8 bits on every architecture. The direction and size
//! fields differ between two layouts that Rust targets use:
//!
//! | layout | architectures | direction bits | size bits | none | write | read |
//! |---|---|---|---|---|---|---|
//! | [`Layout::GENERIC`] | x86, arm, aarch64, riscv, s390x, loongarch | 2 | 14 | 0 | 1 | 2 |
//! | [`Layout::POWERPC_MIPS_SPARC`] | powerpc, mips, sparc (32 and 64 bit) | 3 | 13 | 1 | 4 | 2 |
//!
//! "Write" means user space writes to the kernel (`_IOW`), "read" means user space reads from
//! it (`_IOR`). [`Layout::NATIVE`] is the layout of the compilation target; the other
//! layouts can be called by name, so their numbers are testable on any host.
//!
//! A group, number or size that does not fit its field makes the encoder panic. In a
//! constant (which is how [`ioctl!`](crate::ioctl) uses it) that panic is a compile error.
//! [`Layout::checked_request`] returns the same failure as an [`EncodeError`] instead.

use core::fmt;

/// The data direction of an ioctl as its request number encodes it.
///
/// The names follow the C macros: [`Write`](Direction::Write) is `_IOW` (user space to
/// kernel), [`Read`](Direction::Read) is `_IOR` (kernel to user space).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// No data transfer through the argument (`_IO`).
    None,
    /// The kernel writes the argument (`_IOR`).
    Read,
    /// The kernel reads the argument (`_IOW`).
    Write,
    /// The kernel reads and then writes the argument (`_IOWR`).
    ReadWrite,
}

impl Direction {
    /// Returns the lowercase name used by the `ioctl!` DSL: `none`, `read`, `write` or
    /// `readwrite`.
    pub const fn name(self) -> &'static str {
        match self {
            Direction::None => "none",
            Direction::Read => "read",
            Direction::Write => "write",
            Direction::ReadWrite => "readwrite",
        }
    }

    /// Returns the C macro that encodes this direction: `_IO`, `_IOR`, `_IOW` or `_IOWR`.
    pub const fn c_macro(self) -> &'static str {
        match self {
            Direction::None => "_IO",
            Direction::Read => "_IOR",
            Direction::Write => "_IOW",
            Direction::ReadWrite => "_IOWR",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The field of a request number that a value did not fit, returned by
/// [`Layout::checked_request`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The argument size is larger than the layout's size field can hold.
    SizeTooLarge {
        /// The size that was requested, in bytes.
        size: usize,
        /// The largest size the layout can encode, in bytes.
        max: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::SizeTooLarge { size, max } => write!(
                f,
                "ioctl argument size {size} does not fit the size field (maximum {max} bytes)"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// The fields of a request number, as returned by [`Layout::decode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decoded {
    /// The direction bits. `None` when they hold a value that the layout does not define
    /// (for example, 3 bits set on powerpc).
    pub direction: Option<Direction>,
    /// The group (the C headers call it "type"), bits 8 to 15.
    pub group: u8,
    /// The number within the group, bits 0 to 7.
    pub number: u8,
    /// The encoded argument size in bytes.
    pub size: u32,
}

/// One architecture family's bit layout of ioctl request numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    name: &'static str,
    size_bits: u32,
    dir_bits: u32,
    none: u32,
    write: u32,
    read: u32,
}

const NUMBER_SHIFT: u32 = 0;
const GROUP_SHIFT: u32 = 8;
const SIZE_SHIFT: u32 = 16;

impl Layout {
    /// The asm-generic layout (`include/uapi/asm-generic/ioctl.h`): 2 direction bits,
    /// 14 size bits, none = 0, write = 1, read = 2.
    ///
    /// Used by x86, x86_64, arm, aarch64, riscv, s390x and loongarch.
    pub const GENERIC: Layout = Layout {
        name: "generic",
        size_bits: 14,
        dir_bits: 2,
        none: 0,
        write: 1,
        read: 2,
    };

    /// The layout of powerpc, mips and sparc (`arch/*/include/uapi/asm/ioctl.h`):
    /// 3 direction bits, 13 size bits, none = 1, read = 2, write = 4.
    pub const POWERPC_MIPS_SPARC: Layout = Layout {
        name: "powerpc-mips-sparc",
        size_bits: 13,
        dir_bits: 3,
        none: 1,
        write: 4,
        read: 2,
    };

    /// The layout of the compilation target.
    #[cfg(any(
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64",
    ))]
    pub const NATIVE: Layout = Layout::POWERPC_MIPS_SPARC;

    /// The layout of the compilation target.
    // NOTE: PA-RISC swaps the read and write bits, and Alpha uses the powerpc layout; Rust
    // has no Linux target for either, so both fall under this arm until one exists.
    #[cfg(not(any(
        target_arch = "powerpc",
        target_arch = "powerpc64",
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64",
    )))]
    pub const NATIVE: Layout = Layout::GENERIC;

    /// Returns the layout's short name: `generic` or `powerpc-mips-sparc`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Returns the largest argument size, in bytes, that the size field can hold.
    pub const fn max_size(&self) -> usize {
        (1 << self.size_bits) - 1
    }

    const fn direction_bits(&self, direction: Direction) -> u32 {
        match direction {
            Direction::None => self.none,
            Direction::Read => self.read,
            Direction::Write => self.write,
            Direction::ReadWrite => self.read | self.write,
        }
    }

    const fn dir_shift(&self) -> u32 {
        SIZE_SHIFT + self.size_bits
    }

    /// Encodes a request number; equals the C macro `_IOC(dir, group, number, size)`.
    ///
    /// # Panics
    ///
    /// Panics when `size` does not fit the size field. In a constant the panic is a compile
    /// error; use [`checked_request`](Self::checked_request) for sizes known only at run
    /// time.
    #[doc(alias = "_IOC")]
    pub const fn request(&self, direction: Direction, group: u8, number: u8, size: usize) -> u32 {
        match self.checked_request(direction, group, number, size) {
            Ok(request) => request,
            Err(EncodeError::SizeTooLarge { .. }) => {
                if self.size_bits == 14 {
                    panic!("ioctl argument type is larger than 16383 bytes, the maximum of the 14-bit size field; pass a pointer to the data or split the request")
                } else {
                    panic!("ioctl argument type is larger than 8191 bytes, the maximum of the 13-bit size field on powerpc, mips and sparc; pass a pointer to the data or split the request")
                }
            }
        }
    }

    /// Encodes a request number, or returns an error when `size` does not fit the size
    /// field.
    pub const fn checked_request(
        &self,
        direction: Direction,
        group: u8,
        number: u8,
        size: usize,
    ) -> Result<u32, EncodeError> {
        if size > self.max_size() {
            return Err(EncodeError::SizeTooLarge {
                size,
                max: self.max_size(),
            });
        }
        Ok((self.direction_bits(direction) << self.dir_shift())
            | ((size as u32) << SIZE_SHIFT)
            | ((group as u32) << GROUP_SHIFT)
            | ((number as u32) << NUMBER_SHIFT))
    }

    /// Encodes `_IO(group, number)`: no argument data.
    #[doc(alias = "_IO")]
    pub const fn none(&self, group: u8, number: u8) -> u32 {
        self.request(Direction::None, group, number, 0)
    }

    /// Encodes `_IOR(group, number, T)`: the kernel writes a `T` to user space.
    #[doc(alias = "_IOR")]
    pub const fn read<T>(&self, group: u8, number: u8) -> u32 {
        self.request(Direction::Read, group, number, core::mem::size_of::<T>())
    }

    /// Encodes `_IOW(group, number, T)`: the kernel reads a `T` from user space.
    #[doc(alias = "_IOW")]
    pub const fn write<T>(&self, group: u8, number: u8) -> u32 {
        self.request(Direction::Write, group, number, core::mem::size_of::<T>())
    }

    /// Encodes `_IOWR(group, number, T)`: the kernel reads a `T` and writes it back.
    #[doc(alias = "_IOWR")]
    pub const fn read_write<T>(&self, group: u8, number: u8) -> u32 {
        self.request(Direction::ReadWrite, group, number, core::mem::size_of::<T>())
    }

    /// Splits a request number into its fields; the inverse of [`request`](Self::request).
    pub const fn decode(&self, request: u32) -> Decoded {
        let dir_mask = (1u32 << self.dir_bits) - 1;
        let size_mask = (1u32 << self.size_bits) - 1;
        let bits = (request >> self.dir_shift()) & dir_mask;
        let direction = if bits == self.none {
            Some(Direction::None)
        } else if bits == self.read {
            Some(Direction::Read)
        } else if bits == self.write {
            Some(Direction::Write)
        } else if bits == self.read | self.write {
            Some(Direction::ReadWrite)
        } else {
            None
        };
        Decoded {
            direction,
            group: (request >> GROUP_SHIFT) as u8,
            number: (request >> NUMBER_SHIFT) as u8,
            size: (request >> SIZE_SHIFT) & size_mask,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: Layout = Layout::GENERIC;
    const P: Layout = Layout::POWERPC_MIPS_SPARC;

    #[test]
    fn generic_matches_known_kvm_numbers() {
        // Values computed by gcc from the Linux 6.1 UAPI headers on x86_64.
        assert_eq!(G.none(0xAE, 0x00), 0x0000_AE00); // KVM_GET_API_VERSION
        assert_eq!(G.none(0xAE, 0x80), 0x0000_AE80); // KVM_RUN
        assert_eq!(G.request(Direction::ReadWrite, 0xAE, 0x02, 4), 0xC004_AE02); // KVM_GET_MSR_INDEX_LIST
        assert_eq!(G.request(Direction::ReadWrite, 0xAE, 0x05, 8), 0xC008_AE05); // KVM_GET_SUPPORTED_CPUID
        assert_eq!(G.request(Direction::Write, 0xAE, 0x46, 32), 0x4020_AE46); // KVM_SET_USER_MEMORY_REGION
        assert_eq!(G.request(Direction::Read, 0xAE, 0x81, 144), 0x8090_AE81); // KVM_GET_REGS
        assert_eq!(G.request(Direction::Write, 0xAE, 0x82, 144), 0x4090_AE82); // KVM_SET_REGS
        assert_eq!(G.request(Direction::ReadWrite, 0xAE, 0xE0, 12), 0xC00C_AEE0); // KVM_CREATE_DEVICE
    }

    #[test]
    fn c_long_width_changes_the_number() {
        // FS_IOC_SETVERSION is _IOW('v', 2, long).
        assert_eq!(G.write::<u64>(b'v', 0x02), 0x4008_7602); // x86_64
        assert_eq!(G.write::<u32>(b'v', 0x02), 0x4004_7602); // i686, armv7
        assert_eq!(P.write::<u32>(b'v', 0x02), 0x8004_7602); // powerpc
        assert_eq!(P.write::<u64>(b'v', 0x02), 0x8008_7602); // powerpc64
    }

    #[test]
    fn powerpc_none_direction_is_one() {
        assert_eq!(P.none(0xAE, 0x00), 0x2000_AE00);
        assert_eq!(P.read::<[u8; 144]>(0xAE, 0x81), 0x4090_AE81);
        assert_eq!(P.read_write::<u32>(0xAE, 0x02), 0xC004_AE02);
    }

    #[test]
    fn size_limits_per_layout() {
        assert_eq!(G.max_size(), 16383);
        assert_eq!(P.max_size(), 8191);
        assert_eq!(G.read::<[u8; 8192]>(0xAE, 0x01), 0xA000_AE01);
        assert_eq!(
            P.checked_request(Direction::Read, 0xAE, 0x01, 8192),
            Err(EncodeError::SizeTooLarge { size: 8192, max: 8191 })
        );
        assert_eq!(
            G.checked_request(Direction::Read, 0xAE, 0x01, 16384),
            Err(EncodeError::SizeTooLarge { size: 16384, max: 16383 })
        );
        assert_eq!(G.checked_request(Direction::Read, 0xAE, 0x01, 16383), Ok(0xBFFF_AE01));
        assert_eq!(P.checked_request(Direction::Read, 0xAE, 0x01, 8191), Ok(0x5FFF_AE01));
    }

    #[test]
    #[should_panic(expected = "14-bit size field")]
    fn generic_request_panics_on_oversize() {
        let size = std::hint::black_box(16384);
        G.request(Direction::Write, 0, 0, size);
    }

    #[test]
    fn decode_round_trips_every_direction() {
        for layout in [G, P] {
            for direction in [Direction::None, Direction::Read, Direction::Write, Direction::ReadWrite] {
                for (group, number, size) in [(0u8, 0u8, 0usize), (0xAE, 0x81, 144), (0xFF, 0xFF, layout.max_size())] {
                    let request = layout.request(direction, group, number, size);
                    let decoded = layout.decode(request);
                    assert_eq!(decoded.direction, Some(direction), "{} {request:#x}", layout.name());
                    assert_eq!(decoded.group, group);
                    assert_eq!(decoded.number, number);
                    assert_eq!(decoded.size as usize, size);
                }
            }
        }
    }

    #[test]
    fn decode_msr_index_list() {
        let decoded = G.decode(0xC004_AE02);
        assert_eq!(decoded.direction, Some(Direction::ReadWrite));
        assert_eq!(decoded.group, 0xAE);
        assert_eq!(decoded.number, 0x02);
        assert_eq!(decoded.size, 4);
    }

    #[test]
    fn decode_rejects_undefined_direction_bits() {
        // Direction bits 0b111 are not defined on powerpc.
        assert_eq!(P.decode(0xE000_0000).direction, None);
    }

    #[test]
    fn native_layout_is_generic_on_x86_64() {
        if cfg!(target_arch = "x86_64") {
            assert_eq!(Layout::NATIVE, Layout::GENERIC);
        }
    }
}
