use ioctl_core::ioctl;

ioctl! {}

fn main() {}
