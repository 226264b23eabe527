//! A SEV command borrows its output buffer until the call: the buffer cannot be dropped
//! while the command that holds its address still exists.

use sev_ioctls::kvm::Vm;
use sev_ioctls::sev::launch::LaunchMeasure;
use sev_ioctls::sev::SevError;

fn measure(vm: &Vm) -> Result<(), SevError> {
    let mut buffer = vec![0u8; 48];
    let mut command = LaunchMeasure::new(&mut buffer);
    drop(buffer);
    vm.sev_command(None, &mut command)
}

fn main() {}
