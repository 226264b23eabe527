use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vm;
        pub fd Vcpu;
        pub none RUN = 0x80 on Vcpu -> zero;
    }
}

fn run(vm: &Vm) -> std::io::Result<()> {
    RUN.call(vm)
}

fn main() {}
