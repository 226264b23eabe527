//! Payloads that end in a flexible array member, such as `struct kvm_msr_list`.
//!
//! In C these are a header with a count field followed by `count` elements in the same
//! allocation. The request number encodes the header's size only, and the kernel trusts
//! the count: a count larger than the allocation lets it read or write past the end.
//! [`Flex`] owns the allocation and checks the count against its capacity before every
//! call, so safe code cannot claim more elements than were allocated.

use std::alloc::{self, Layout};
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::num::TryFromIntError;
use std::ptr::NonNull;

use crate::pod::AnyBitPattern;

/// The header of a payload that ends in a flexible array member.
///
/// # Safety
///
/// By implementing this trait you guarantee that:
/// - in the C definition, the flexible array member starts at `size_of::<Self>()` bytes
///   (C's `offsetof(struct, member) == sizeof(struct)`) and its elements are `Element`;
/// - [`len`](Self::len) returns, and [`try_set_len`](Self::try_set_len) stores, the field
///   that the kernel reads as the number of elements.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the header of a flexible array payload",
    label = "declared with `[]`, so it must implement `FlexHeader`",
    note = "implement `ioctl_core::FlexHeader` for the header struct, naming the element type and the count field"
)]
pub unsafe trait FlexHeader: AnyBitPattern {
    /// The type of one element of the flexible array.
    type Element: AnyBitPattern + Copy;

    /// Returns the element count stored in the header.
    fn len(&self) -> usize;

    /// Returns whether the header counts no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores `len` in the count field, or fails if the field cannot hold it.
    fn try_set_len(&mut self, len: usize) -> Result<(), TryFromIntError>;
}

/// An owned header `H` followed by room for `capacity` elements, in one allocation laid
/// out as C lays out the struct with its flexible array member.
pub struct Flex<H: FlexHeader> {
    pointer: NonNull<u8>,
    layout: Layout,
    capacity: usize,
    marker: PhantomData<(H, H::Element)>,
}

// SAFETY: `Flex` owns its allocation like a `Box<(H, [H::Element])>` would.
unsafe impl<H: FlexHeader + Send> Send for Flex<H> where H::Element: Send {}
// SAFETY: shared access only reads, as with a `Box`.
unsafe impl<H: FlexHeader + Sync> Sync for Flex<H> where H::Element: Sync {}

fn layout_for<H: FlexHeader>(capacity: usize) -> io::Result<Layout> {
    if !size_of::<H>().is_multiple_of(align_of::<H::Element>()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the header's size is not a multiple of the element alignment, so it does not match a C flexible array member",
        ));
    }
    let header = Layout::new::<H>();
    let elements = Layout::array::<H::Element>(capacity).map_err(|_| too_large(capacity))?;
    let align = header.align().max(elements.align());
    let size = header.size().checked_add(elements.size()).ok_or_else(|| too_large(capacity))?;
    // Zero-sized allocations are not allowed; a header is never zero-sized in practice,
    // but keep at least one byte.
    Layout::from_size_align(size.max(1), align).map_err(|_| too_large(capacity))
}

fn too_large(capacity: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("a flexible payload with {capacity} elements does not fit in memory"),
    )
}

impl<H: FlexHeader> Flex<H> {
    /// Allocates a zeroed header and `capacity` zeroed elements, and sets the header's
    /// count to `capacity`, the room that a get-style ioctl may fill.
    pub fn with_capacity(capacity: usize) -> io::Result<Flex<H>> {
        let layout = layout_for::<H>(capacity)?;
        // SAFETY: `layout` has a non-zero size.
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let Some(pointer) = NonNull::new(raw) else { alloc::handle_alloc_error(layout) };
        let mut flex = Flex::<H> { pointer, layout, capacity, marker: PhantomData };
        flex.header_mut().try_set_len(capacity).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the header's count field cannot hold the capacity {capacity}"),
            )
        })?;
        Ok(flex)
    }

    /// Allocates a copy of `header` followed by `elements`, with the count set to
    /// `elements.len()`, for set-style ioctls.
    pub fn from_elements(header: H, elements: &[H::Element]) -> io::Result<Flex<H>> {
        let mut flex = Flex::with_capacity(elements.len())?;
        *flex.header_mut() = header;
        flex.set_len(elements.len())?;
        flex.elements_mut().copy_from_slice(elements);
        Ok(flex)
    }

    /// Returns the number of elements allocated.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Returns the header.
    pub fn header(&self) -> &H {
        // SAFETY: the allocation starts with a valid `H` (zeroed, then written only as
        // `H` by safe code or by the kernel, and `H: AnyBitPattern`), suitably aligned.
        unsafe { self.pointer.cast::<H>().as_ref() }
    }

    /// Returns the header for writing. A count larger than the capacity is accepted here
    /// but rejected by the next call.
    pub fn header_mut(&mut self) -> &mut H {
        // SAFETY: as in `header`, and `&mut self` makes the borrow exclusive.
        unsafe { self.pointer.cast::<H>().as_mut() }
    }

    /// Sets the header's count, which must not exceed the capacity.
    pub fn set_len(&mut self, len: usize) -> io::Result<()> {
        if len > self.capacity {
            return Err(self.overclaim(len));
        }
        self.header_mut().try_set_len(len).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("the header's count field cannot hold {len}"))
        })
    }

    fn elements_pointer(&self) -> *mut H::Element {
        // SAFETY: the elements start right after the header, inside the allocation;
        // `layout_for` aligned the allocation for both types, and `size_of::<H>()` is a
        // multiple of the element alignment whenever the C layout puts the array there
        // (`FlexHeader`'s contract).
        unsafe { self.pointer.as_ptr().add(size_of::<H>()).cast::<H::Element>() }
    }

    /// Returns the elements that the header's count covers, at most the capacity.
    pub fn elements(&self) -> &[H::Element] {
        let len = self.header().len().min(self.capacity);
        // SAFETY: `len` elements fit in the allocation and hold valid values.
        unsafe { std::slice::from_raw_parts(self.elements_pointer(), len) }
    }

    /// Returns the elements that the header's count covers, at most the capacity, for
    /// writing.
    pub fn elements_mut(&mut self) -> &mut [H::Element] {
        let len = self.header().len().min(self.capacity);
        // SAFETY: as in `elements`, and `&mut self` makes the borrow exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.elements_pointer(), len) }
    }

    fn overclaim(&self, len: usize) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the header claims {len} elements but only {} are allocated", self.capacity),
        )
    }

    /// Returns a pointer to the whole payload for the kernel, after checking that the
    /// header's count does not exceed the capacity.
    pub(crate) fn checked_pointer(&self) -> io::Result<*mut u8> {
        let len = self.header().len();
        if len > self.capacity {
            return Err(self.overclaim(len));
        }
        Ok(self.pointer.as_ptr())
    }
}

impl<H: FlexHeader> Drop for Flex<H> {
    fn drop(&mut self) {
        // SAFETY: the allocation was made with this layout by `with_capacity` or `clone`.
        unsafe { alloc::dealloc(self.pointer.as_ptr(), self.layout) };
    }
}

impl<H: FlexHeader + fmt::Debug> fmt::Debug for Flex<H>
where
    H::Element: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flex")
            .field("header", self.header())
            .field("capacity", &self.capacity)
            .field("elements", &self.elements())
            .finish()
    }
}

impl<H: FlexHeader> Clone for Flex<H> {
    fn clone(&self) -> Self {
        let layout = self.layout;
        // SAFETY: `layout` has a non-zero size.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(pointer) = NonNull::new(raw) else { alloc::handle_alloc_error(layout) };
        // SAFETY: both allocations have `layout.size()` bytes and do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.pointer.as_ptr(), pointer.as_ptr(), layout.size()) };
        Flex { pointer, layout, capacity: self.capacity, marker: PhantomData }
    }
}

/// The argument of a `_IOW` ioctl whose payload is a header `H` and its flexible array:
/// the call takes `&Flex<H>`.
pub struct WriteFlex<H>(PhantomData<fn(H)>);

/// The argument of a `_IOWR` ioctl whose payload is a header `H` and its flexible array:
/// the call takes `&mut Flex<H>`.
pub struct ReadWriteFlex<H>(PhantomData<fn(H) -> H>);
