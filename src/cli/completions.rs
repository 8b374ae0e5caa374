//! `crmkit completions SHELL`: tab completion scripts generated from the clap definitions.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, ExitStatus};
use crate::error::{Error, Result};

/// Arguments of `crmkit completions`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
crmkit completions bash > ~/.local/share/bash-completion/completions/crmkit\n  \
crmkit completions zsh > ~/.zfunc/_crmkit\n  \
crmkit completions fish > ~/.config/fish/completions/crmkit.fish")]
pub struct CompletionsArgs {
    /// Shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for the shell to stdout.
pub fn run(args: CompletionsArgs) -> Result<ExitStatus> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "crmkit", &mut script);
    let text = String::from_utf8(script)
        .map_err(|e| Error::Other(format!("completion script is not UTF-8: {e}")))?;
    crate::output::print(&text)?;
    Ok(ExitStatus::Success)
}
