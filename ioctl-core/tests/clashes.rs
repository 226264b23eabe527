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

mod elsewhere {
    use ioctl_core::ioctl;

    ioctl! {
        // SAFETY: as above.
        unsafe {
            group 0x42;
            pub table FOURTH;
            pub none ALPHA_ONLY_BY_PATH = 0x03 on super::Alpha;
            pub none BETA_BY_ALIAS = 0x04 on BetaAlias;
        }
    }

    pub type BetaAlias = super::Beta;
}

ioctl! {
    // SAFETY: as above.
    unsafe {
        group 0x42;
        pub table FIFTH;
        pub none BETA_PLAIN = 0x04 on Beta;
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

#[test]
fn clashes_compare_types_not_spellings() {
    assert_eq!(
        names(&[FIRST, elsewhere::FOURTH, FIFTH]),
        [("ALPHA_ONLY", "ALPHA_ONLY_BY_PATH"), ("BETA_BY_ALIAS", "BETA_PLAIN")],
        "`super::Alpha` is `Alpha`, and `BetaAlias` is `Beta`"
    );
}
