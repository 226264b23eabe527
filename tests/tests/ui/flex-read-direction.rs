use ioctl_core::{ioctl, AnyBitPattern, FlexHeader};

#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern)]
pub struct List {
    count: u32,
}

// SAFETY: the case fails to compile before this matters.
unsafe impl FlexHeader for List {
    type Element = u32;
    fn len(&self) -> usize {
        self.count as usize
    }
    fn try_set_len(&mut self, len: usize) -> Result<(), std::num::TryFromIntError> {
        self.count = len.try_into()?;
        Ok(())
    }
}

ioctl! {
    unsafe {
        group 0xAE;
        pub read LIST = 0x02 => List[];
    }
}

fn main() {}
