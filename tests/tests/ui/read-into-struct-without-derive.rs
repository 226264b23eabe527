use ioctl_core::ioctl;

#[repr(C)]
pub struct Regs {
    pub rax: u64,
    pub rbx: u64,
}

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_REGS = 0x81 => Regs;
    }
}

fn main() {}
