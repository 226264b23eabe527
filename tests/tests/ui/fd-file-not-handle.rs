use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vcpu;
        pub none RUN = 0x80 on Vcpu -> zero;
    }
}

fn run() -> std::io::Result<()> {
    let file = std::fs::File::open("/dev/null")?;
    RUN.call(&file)
}

fn main() {}
