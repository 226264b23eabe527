//! Shared setup for tests that need /dev/kvm.

#![allow(dead_code)]

use sev_ioctls::kvm::Kvm;

/// Opens /dev/kvm, or prints why the calling test is skipped and returns `None`.
///
/// With `IOCTL_REQUIRE_KVM=1` in the environment (set by `.ci/run`), a missing or
/// inaccessible /dev/kvm fails the test instead, so CI cannot pass without running it.
pub fn open_kvm(test: &str) -> Option<Kvm> {
    match Kvm::open() {
        Ok(kvm) => Some(kvm),
        Err(error) => {
            if std::env::var_os("IOCTL_REQUIRE_KVM").is_some_and(|value| value == "1") {
                panic!("{test}: {error}, and IOCTL_REQUIRE_KVM=1 requires KVM");
            }
            println!("SKIPPED: {test}: {error}");
            None
        }
    }
}
