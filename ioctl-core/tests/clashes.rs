//! `request_clashes` across `ioctl!` invocations: the same request number clashes on one
//! fd kind, or when either declaration accepts any descriptor, but not on two kinds.

use ioctl_core::info::request_clashes;
use ioctl_core::ioctl;

ioctl! {
    // SAFETY: test declarations that are never called.
    unsafe {
        group 0x42;
        pub fd Alpha;
        pub fd Beta;
        pub table FIRST;
        pub read ALPHA_VALUE = 0x01 => u32 on Alpha;
        pub none ANY_RESET = 0x02;
        pub none ALPHA_ONLY = 0x03 on Alpha;
    }
}

ioctl! {
    // SAFETY: as above.
    unsafe {
        group 0x42;
        pub table SECOND;
        pub read BETA_VALUE = 0x01 => u32 on Beta;
        pub none BETA_RESET = 0x02 on Beta;
    }
}

ioctl! {
    // SAFETY: as above.
    unsafe {
        group 0x42;
        pub table THIRD;
        pub read ALPHA_VALUE_AGAIN = 0x01 => u32 on Alpha;
    }
}

fn names(tables: &[&'static [ioctl_core::IoctlInfo]]) -> Vec<(&'static str, &'static str)> {
    request_clashes(tables).into_iter().map(|(first, second)| (first.name, second.name)).collect()
}

#[test]
fn clashes_same_kind_or_any_descriptor() {
    assert_eq!(
        names(&[FIRST, SECOND, THIRD]),
        [("ANY_RESET", "BETA_RESET"), ("ALPHA_VALUE", "ALPHA_VALUE_AGAIN")],
        "BETA_VALUE shares 0x80044201 with both ALPHA ioctls, but on another kind"
    );
}

#[test]
fn clashes_none_in_distinct_tables() {
    assert_eq!(names(&[FIRST]), []);
    assert_eq!(names(&[SECOND, THIRD]), []);
    assert_eq!(names(&[]), []);
}

#[test]
fn clashes_table_given_twice() {
    let clashes = names(&[THIRD, THIRD]);
    assert_eq!(clashes, [("ALPHA_VALUE_AGAIN", "ALPHA_VALUE_AGAIN")]);
}
