use ioctl_core::ioctl;

ioctl! {
    unsafe {
        pub fd Kvm = "dev/kvm";
    }
}

fn main() {}
