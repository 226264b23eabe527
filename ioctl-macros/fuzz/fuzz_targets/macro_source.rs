// The macro crate's modules, compiled into the fuzz target as they are: a proc-macro crate
// can export only macros, so the target cannot link to `ioctl_macros` and call
// `pipeline::ioctl_tokens`. `lib.rs` holds only the `#[proc_macro]` entry points and stays out.
// Each target calls only part of the modules, hence `allow(dead_code)`.

#[allow(dead_code)]
#[path = "../../src/ast.rs"]
mod ast;
#[allow(dead_code)]
#[path = "../../src/derive.rs"]
mod derive;
#[allow(dead_code)]
#[path = "../../src/expand.rs"]
mod expand;
#[allow(dead_code)]
#[path = "../../src/limits.rs"]
mod limits;
#[allow(dead_code)]
#[path = "../../src/parse.rs"]
mod parse;
#[allow(dead_code)]
#[path = "../../src/pipeline.rs"]
mod pipeline;
#[allow(dead_code)]
#[path = "../../src/valid.rs"]
mod valid;
