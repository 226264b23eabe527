use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Vm;
        pub readwrite CREATE_DEVICE = 0xE0 => [u32; 3] on Vm;
    }
}

fn create_device(vm: &Vm) -> std::io::Result<()> {
    let device = [0u32; 3];
    CREATE_DEVICE.call(vm, &device)?;
    Ok(())
}

fn main() {}
