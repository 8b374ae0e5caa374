//! The workspace's writer lock: `.crmkit.lock` holds the pid and command line of the command
//! writing the workspace, so a second writer is told which command is busy instead of meeting
//! SQLite's "database is locked". A lock whose process has died is taken over.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::workspace::LOCK_FILE;

/// A lock file younger than this with no readable holder is being written right now.
const FRESH: Duration = Duration::from_secs(5);

/// Who holds a lock: the first lines of the lock file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub command: String,
    pub since: String,
}

impl Holder {
    fn parse(text: &str) -> Option<Holder> {
        let mut lines = text.lines();
        let pid = lines.next()?.trim().parse().ok()?;
        Some(Holder {
            pid,
            command: lines.next().unwrap_or("crmkit").to_string(),
            since: lines.next().unwrap_or("").to_string(),
        })
    }

    fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.pid, self.command, self.since)
    }
}

/// What to do about an existing lock file.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Its process is alive: refuse.
    Busy,
    /// Its process is gone (or was this very process id, reused): remove it and retry.
    Stale,
}

/// Decides about a lock held by `holder` (`None`: unreadable), given whether a process is
/// alive, this process's id and whether the file was written moments ago.
fn verdict(holder: Option<&Holder>, alive: impl Fn(u32) -> bool, me: u32, fresh: bool) -> Verdict {
    match holder {
        Some(h) if h.pid != me && alive(h.pid) => Verdict::Busy,
        Some(_) => Verdict::Stale,
        // Created, not yet written: another command is taking the lock right now.
        None if fresh => Verdict::Busy,
        None => Verdict::Stale,
    }
}

/// Whether process `pid` exists (a process of another user counts).
pub(crate) fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}

/// A held lock; dropping it removes the lock file.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Only our own: a lock taken over after we were presumed dead is not ours to remove.
        let ours = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| Holder::parse(&t))
            .is_some_and(|h| h.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Takes the lock of the workspace at `root` for `command` (the command line, for the message
/// another command shows), or says who holds it.
pub fn acquire(root: &Path, command: &str) -> Result<Lock> {
    let path = root.join(LOCK_FILE);
    let me = Holder {
        pid: std::process::id(),
        command: command.replace('\n', " "),
        since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    for _ in 0..3 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(crate::safe_write::FILE_MODE)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(me.text().as_bytes())
                    .map_err(|e| Error::io("write", &path, e))?;
                return Ok(Lock { path });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = Holder::parse(&text);
                let fresh = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age < FRESH);
                match verdict(holder.as_ref(), alive, me.pid, fresh) {
                    Verdict::Busy => return Err(busy(root, &path, holder.as_ref())),
                    Verdict::Stale => {
                        // Still the stale lock we judged (not one another command just took)?
                        if std::fs::read_to_string(&path).unwrap_or_default() == text {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
            }
            Err(e) => return Err(Error::io("create", &path, e)),
        }
    }
    Err(busy(root, &path, None))
}

fn busy(root: &Path, path: &Path, holder: Option<&Holder>) -> Error {
    let who = match holder {
        Some(h) if h.since.is_empty() => format!("`{}` (pid {})", h.command, h.pid),
        Some(h) => format!("`{}` (pid {}, since {})", h.command, h.pid, h.since),
        None => "another crmkit command".to_string(),
    };
    Error::Usage(format!(
        "the workspace `{}` is in use by {who}\n  hint: wait for it to finish and run this again; if no crmkit command is running there, delete `{}`",
        root.display(),
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(pid: u32) -> Holder {
        Holder {
            pid,
            command: "crmkit stage".into(),
            since: "2026-12-03T10:00:00Z".into(),
        }
    }

    #[test]
    fn a_live_holder_blocks_a_dead_or_reused_one_does_not() {
        let live = |_| true;
        let dead = |_| false;
        assert_eq!(verdict(Some(&holder(7)), live, 9, false), Verdict::Busy);
        assert_eq!(verdict(Some(&holder(7)), dead, 9, false), Verdict::Stale);
        assert_eq!(verdict(Some(&holder(9)), live, 9, false), Verdict::Stale);
        assert_eq!(verdict(None, live, 9, true), Verdict::Busy);
        assert_eq!(verdict(None, live, 9, false), Verdict::Stale);
    }

    #[test]
    fn second_writer_is_told_who_holds_the_lock_and_the_lock_goes_with_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        // A live process that is not this one: the parent (the test runner's launcher or init).
        let other = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| s.split_whitespace().nth(3).and_then(|p| p.parse().ok()))
            .unwrap_or(1);
        std::fs::write(dir.path().join(LOCK_FILE), holder(other).text()).unwrap();
        let err = acquire(dir.path(), "crmkit ingest")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("in use by `crmkit stage`") && err.contains(&format!("pid {other}")),
            "{err}"
        );
        std::fs::remove_file(dir.path().join(LOCK_FILE)).unwrap();
        let lock = acquire(dir.path(), "crmkit ingest").unwrap();
        let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert_eq!(Holder::parse(&text).unwrap().command, "crmkit ingest");
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());
    }

    #[test]
    fn alive_knows_this_process_and_not_a_finished_one() {
        assert!(alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!alive(pid));
    }
}
