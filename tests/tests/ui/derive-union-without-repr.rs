use ioctl_core::AnyBitPattern;

#[derive(Clone, Copy, AnyBitPattern)]
pub union Word {
    pub bytes: [u8; 4],
    pub value: u32,
}

fn main() {}
