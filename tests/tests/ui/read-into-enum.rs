use ioctl_core::ioctl;

#[repr(u32)]
pub enum State {
    Stopped = 0,
    Running = 1,
}

ioctl! {
    unsafe {
        group 0xAE;
        pub read GET_STATE = 0x01 => State;
    }
}

fn main() {}
