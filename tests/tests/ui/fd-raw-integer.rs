use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub fd Kvm = "/dev/kvm";
        pub none GET_API_VERSION = 0x00 on Kvm -> count;
    }
}

fn api_version() -> std::io::Result<i32> {
    GET_API_VERSION.call(&3)
}

fn main() {}
