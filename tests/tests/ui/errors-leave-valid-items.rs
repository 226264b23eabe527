// One bad declaration is reported alone; the valid one beside it still expands, so its
// use below adds no "cannot find value" error.
use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none BROKEN = 0x1FF;
        pub none GET_VERSION = 0x00 -> count;
    }
}

fn main() {
    let _ = GET_VERSION.request();
}
