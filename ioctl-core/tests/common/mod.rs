//! Skip handling shared by the tests that need /dev/kvm.

use std::io::{self, Write};

/// Returns the device if `opened` succeeded. Otherwise writes `SKIPPED: <test>: <error>` to
/// standard error and returns `None`, so that the test can return.
///
/// The line bypasses the harness's capture, which hides `println!` of passing tests. With
/// `IOCTL_REQUIRE_KVM=1` in the environment (set by `.ci/run`), a failure to open panics
/// instead, so CI cannot pass without running the test.
pub fn kvm_or_skip<T>(test: &str, opened: io::Result<T>) -> Option<T> {
    match opened {
        Ok(device) => Some(device),
        Err(error) => {
            if std::env::var_os("IOCTL_REQUIRE_KVM").is_some_and(|value| value == "1") {
                panic!("{test}: cannot open /dev/kvm: {error}, and IOCTL_REQUIRE_KVM=1 requires KVM");
            }
            let _ = writeln!(io::stderr(), "SKIPPED: {test}: cannot open /dev/kvm: {error}");
            None
        }
    }
}
