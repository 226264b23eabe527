//! The firmware writes the measurement into the command's buffer, so a shared borrow is
//! not accepted.

use sev_ioctls::kvm::Vm;
use sev_ioctls::sev::launch::LaunchMeasure;
use sev_ioctls::sev::SevError;

fn measure(vm: &Vm) -> Result<(), SevError> {
    let buffer = [0u8; 48];
    let mut command = LaunchMeasure::new(&buffer);
    vm.sev_command(None, &mut command)
}

fn main() {}
