use ioctl_core::AnyBitPattern;

pub struct Flag(pub bool);

impl AnyBitPattern for Flag {}

fn main() {}
