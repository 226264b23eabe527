//! Compiles every UI case: `tests/ui/*.rs` must fail with the stored `.stderr` output, and
//! `tests/pass/*.rs` must build.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/pass/*.rs");
}
