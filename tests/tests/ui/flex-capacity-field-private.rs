//! A `Flex` keeps its capacity to itself: safe code can change the header's count, which
//! the next call checks, but never the capacity that the check compares it with.

use ioctl_core::Flex;
use sev_ioctls::kvm::kvm_msrs;

fn main() -> std::io::Result<()> {
    let mut msrs = Flex::<kvm_msrs>::with_capacity(1)?;
    msrs.capacity = 1000;
    Ok(())
}
