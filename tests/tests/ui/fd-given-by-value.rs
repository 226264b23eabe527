use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vcpu;
        pub none RUN = 0x80 on Vcpu -> zero;
    }
}

fn run(vcpu: Vcpu) -> std::io::Result<()> {
    RUN.call(vcpu)
}

fn main() {}
