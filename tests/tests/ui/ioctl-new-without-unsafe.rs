use ioctl_core::{AnyFd, Ioctl, NoArg};
use ioctl_core::ret::Zero;

pub const RESET: Ioctl<AnyFd, NoArg, Zero> = Ioctl::new(0xAE01);

fn main() {}
