use ioctl_core::{AnyBitPattern, FlexHeader};

#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern)]
pub struct List {
    count: u32,
}

impl FlexHeader for List {
    type Element = u32;
    fn len(&self) -> usize {
        self.count as usize
    }
    fn try_set_len(&mut self, len: usize) -> Result<(), std::num::TryFromIntError> {
        self.count = len.try_into()?;
        Ok(())
    }
}

fn main() {}
