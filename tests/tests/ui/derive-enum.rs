use ioctl_core::AnyBitPattern;

#[repr(u32)]
#[derive(Clone, Copy, AnyBitPattern)]
pub enum State {
    Stopped = 0,
    Running = 1,
}

fn main() {}
