use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vm;
        pub none RESET = 0x01 on &Vm;
    }
}

fn main() {}
