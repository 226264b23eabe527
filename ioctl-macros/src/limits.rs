//! The nesting limit that keeps syn's recursion within the compiler's stack.
//!
//! syn parses types and expressions by recursion, one chain of calls per nesting level.
//! Nested input that rustc itself accepts therefore overflowed the compiler's stack: rustc
//! 1.95.0 crashed on a payload type of 400 nested `&`, and expanded one of 300. A unit-test
//! thread with an 8 MiB stack overflowed at about 350, and one level took up to about
//! 27 KiB of stack. Those figures were measured with syn 2.0.119 built at opt-level 0,
//! which is how cargo builds proc macros unless a profile sets another level.
//!
//! Every level of syn's recursion consumes at least one token. Between the items of a
//! comma-separated list (fields, variants, where clauses, generic arguments) and between
//! the halves of `[T; N]`, syn returns to the depth it started at. So the recursion depth
//! for a token stream is at most its nesting cost: the most tokens in one segment between
//! top-level `,` or `;` outside `<...>`, plus the cost of the costliest group in that
//! segment. An attribute `#[...]` is parsed on its own and is a segment of its own.
//! With `MAX_NESTING_COST` at 128, the deepest accepted input of each kind that the unit
//! tests build expands within 4 MiB of stack, and a declaration with full paths such as
//! `::core::ffi::c_ulong` in every clause costs about 50.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};

/// The maximum nesting cost that a declaration or a derive input may have.
pub const MAX_NESTING_COST: usize = 128;

/// Returns an error at `span` if the nesting cost of `tokens` exceeds `MAX_NESTING_COST`;
/// `kind` names the input in the message, such as "declaration".
pub fn check_nesting(tokens: &TokenStream, span: Span, kind: &str) -> syn::Result<()> {
    match nesting_cost(tokens.clone(), MAX_NESTING_COST) {
        Some(_) => Ok(()),
        None => Err(syn::Error::new(
            span,
            format!(
                "this {kind} nests too deeply: a chain of more than {MAX_NESTING_COST} nested tokens could overflow the compiler's stack while the macro parses it; declare the deep type as a type alias and use its name here"
            ),
        )),
    }
}

/// Returns the nesting cost of `stream` if it is at most `budget`, or `None`. The
/// recursion of this function is bounded too: each level spends at least one token of the
/// budget.
fn nesting_cost(stream: TokenStream, budget: usize) -> Option<usize> {
    let mut worst = 0;
    let mut segment = 0;
    let mut costliest_group = 0;
    let mut angle_depth = 0usize;
    let mut previous: Option<(char, Spacing)> = None;
    let mut trees = stream.into_iter().peekable();

    while let Some(tree) = trees.next() {
        match &tree {
            TokenTree::Punct(punct) => {
                let ch = punct.as_char();
                if ch == '#' {
                    let attribute = trees.next_if(|next| {
                        matches!(next, TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket)
                    });
                    if let Some(TokenTree::Group(group)) = attribute {
                        let cost = 2 + nesting_cost(group.stream(), budget.checked_sub(2)?)?;
                        worst = worst.max(cost);
                        previous = None;
                        continue;
                    }
                }
                match ch {
                    ',' | ';' if angle_depth == 0 => {
                        worst = worst.max(segment + costliest_group);
                        segment = 0;
                        costliest_group = 0;
                        previous = None;
                        continue;
                    }
                    '<' => angle_depth += 1,
                    // The `>` of `->` and `=>` closes no angle bracket.
                    '>' if !matches!(previous, Some(('-' | '=', Spacing::Joint))) => {
                        angle_depth = angle_depth.saturating_sub(1);
                    }
                    _ => {}
                }
                previous = Some((ch, punct.spacing()));
            }
            TokenTree::Group(group) => {
                let cost = nesting_cost(group.stream(), budget.checked_sub(segment + 1)?)?;
                costliest_group = costliest_group.max(cost);
                previous = None;
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => previous = None,
        }
        segment += 1;
        if segment + costliest_group > budget {
            return None;
        }
    }
    worst = worst.max(segment + costliest_group);
    (worst <= budget).then_some(worst)
}
