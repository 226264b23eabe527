use ioctl_core::ioctl;

pub struct NotAHandle;

ioctl! {
    unsafe {
        group 0xAE;
        pub none CREATE_CHILD = 0x01 -> NotAHandle;
    }
}

fn main() {}
