use ioctl_core::ioctl;

ioctl! {
    unsafe group 0xAE;
}

fn main() {}
