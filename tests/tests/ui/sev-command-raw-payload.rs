//! A sub-command's payload struct is not a command: its address fields would reach the
//! kernel unchecked. Only the command types, which fill them from borrows, are accepted.

use sev_ioctls::kvm::Vm;
use sev_ioctls::sev::{kvm_sev_launch_measure, SevError};

fn measure(vm: &Vm) -> Result<(), SevError> {
    let mut payload = kvm_sev_launch_measure { uaddr: 0x1000, len: 48 };
    vm.sev_command(None, &mut payload)
}

fn main() {}
