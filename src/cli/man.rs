//! `crmkit man`: manual pages generated from the clap definitions, so they never drift from
//! `--help`.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::{Cli, ExitStatus};
use crate::error::{Error, Result};

/// Arguments of `crmkit man`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
crmkit man | man -l -\n  \
crmkit man --out ~/.local/share/man/man1")]
pub struct ManArgs {
    /// Write crmkit.1 and one page per subcommand (crmkit-ingest.1, ...) into this folder
    /// instead of printing crmkit.1
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Prints the top page, or writes every page into `--out`.
pub fn run(args: ManArgs) -> Result<ExitStatus> {
    let cmd = Cli::command();
    match args.out {
        None => {
            let mut page = Vec::new();
            render(cmd, &mut page).map_err(|e| Error::Other(format!("man page: {e}")))?;
            crate::output::print(&String::from_utf8_lossy(&page))?;
        }
        Some(dir) => {
            let written = write_all(cmd, &dir)?;
            crate::output::note(&format!(
                "wrote {} in `{}`",
                crate::numbers::plural(written as u64, "man page", "man pages"),
                dir.display()
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn render(cmd: clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd).render(out)
}

/// One page per command, named as `man` finds them (`crmkit-map-check.1`); returns the count.
fn write_all(cmd: clap::Command, dir: &Path) -> Result<usize> {
    crate::safe_write::create_dir(dir)?;
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut count = 0;
    write_tree(&cmd, dir, &mut count)?;
    Ok(count)
}

fn write_tree(cmd: &clap::Command, dir: &Path, count: &mut usize) -> Result<()> {
    // After `build`, each subcommand's display name is its page name (`crmkit-map-check`).
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_tree(sub, dir, count)?;
    }
    let name = cmd.get_display_name().unwrap_or(cmd.get_name());
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    render(cmd.clone(), &mut page).map_err(|e| Error::io("render", &path, e))?;
    std::fs::write(&path, page).map_err(|e| Error::io("write", &path, e))?;
    // Man pages hold no client data and `man` reads them as any user: the process umask
    // (owner-only, for client data) would hide them once installed system-wide.
    crate::safe_write::set_mode(&path, 0o644).map_err(|e| Error::io("chmod", &path, e))?;
    *count += 1;
    Ok(())
}
