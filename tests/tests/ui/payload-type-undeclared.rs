use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_REGS = 0x81 => KvmRegs;
    }
}

fn main() {}
