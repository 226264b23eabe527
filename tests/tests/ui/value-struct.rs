use ioctl_core::ioctl;

#[derive(Clone, Copy)]
pub struct Slot {
    pub index: u32,
}

ioctl! {
    unsafe {
        group 0xAE;
        pub none SET_SLOT = 0x01 (Slot);
    }
}

fn main() {}
