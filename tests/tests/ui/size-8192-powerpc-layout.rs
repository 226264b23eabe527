//! On powerpc, mips and sparc the size field has 13 bits, so an 8192-byte payload does not
//! fit. `ioctl!` encodes with `Layout::NATIVE`, which is this layout on those targets. The
//! constant below calls the same encoder by name. On x86_64 it gives the compile error that
//! those targets give for `read BIG = 0x01 => [u8; 8192]`.

use ioctl_core::{Direction, Layout};

const BIG: u32 = Layout::POWERPC_MIPS_SPARC.request(Direction::Read, 0xAE, 0x01, size_of::<[u8; 8192]>());

fn main() {
    let _ = BIG;
}
