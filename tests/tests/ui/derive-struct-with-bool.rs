use ioctl_core::AnyBitPattern;

#[repr(C)]
#[derive(Clone, Copy, AnyBitPattern)]
pub struct Status {
    pub count: u32,
    pub enabled: bool,
}

fn main() {}
