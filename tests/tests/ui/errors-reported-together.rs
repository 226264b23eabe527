// Every validation error of an invocation is reported in one build.
use ioctl_core::ioctl;

ioctl! {
    unsafe {
        group 0xAE;
        pub none FIRST = 0x1FF;
        pub read SECOND = 0x02;
        pub none THIRD = -3;
        pub reed FOURTH = 0x04 => u32;
    }
}

fn main() {}
