use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vm;
        pub none CREATE_VM = 0x01 -> Vmm;
    }
}

fn main() {}
