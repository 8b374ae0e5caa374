//! The `crmkit` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

/// mimalloc instead of the system allocator: stage and dedupe make and drop millions of small
/// strings, and glibc's malloc spent a sixth of stage's instructions on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    crmkit::cli::main()
}
