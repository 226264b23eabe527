//! The 14-bit size field of x86_64 holds payloads up to 16383 bytes. (Powerpc, mips and
//! sparc have 13 bits, where 8192 bytes does not fit.)

#[cfg(target_arch = "x86_64")]
mod declarations {
    use ioctl_core::ioctl;

    ioctl! {
        // SAFETY: fixture declarations; the program never issues them.
        unsafe {
            group 0xAE;
            pub read GET_PAGE_PAIR = 0x01 => [u8; 8192];
            pub write SET_LARGEST = 0x02 => [u8; 16383];
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn main() {
    assert_eq!(declarations::GET_PAGE_PAIR.request(), 0xA000_AE01);
    assert_eq!(declarations::SET_LARGEST.request(), 0x7FFF_AE02);
}

#[cfg(not(target_arch = "x86_64"))]
fn main() {}
