use ioctl_core::AnyBitPattern;

#[derive(Clone, Copy, AnyBitPattern)]
pub struct Regs {
    pub rax: u64,
    pub rbx: u64,
}

fn main() {}
