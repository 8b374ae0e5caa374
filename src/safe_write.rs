//! Every file crmkit writes for the user goes through here: never over a workspace file, never
//! over a file crmkit did not write unless forced, always through a temporary name renamed into
//! place (an interrupted run leaves the old file or the new one, never half of one), readable
//! by the owner only, and recorded so that a later run may replace its own output.
//!
//! The record is a small JSON file, `.crmkit-written`, in each folder crmkit writes into. It
//! holds, per file name, the kind of output and the file's fingerprint (size, modification
//! time in nanoseconds, inode) just after the rename. A file whose fingerprint still matches
//! is crmkit's own, unchanged output; anything else (a user's file, or crmkit's output that a
//! person has since edited) is refused without `--force`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::workspace::{CONFIG_FILE, DB_FILE, LOCK_FILE};

/// Name of the per-folder record of what crmkit wrote there.
pub const RECORD_FILE: &str = ".crmkit-written";
/// Permissions of every file crmkit creates: client data is for its owner's eyes only.
pub const FILE_MODE: u32 = 0o600;
/// Permissions of every folder crmkit creates.
pub const DIR_MODE: u32 = 0o700;

/// Files of a workspace that no output may ever replace, `--force` or not.
const WORKSPACE_FILES: [&str; 7] = [
    CONFIG_FILE,
    DB_FILE,
    "staging.db-wal",
    "staging.db-shm",
    "staging.db-journal",
    LOCK_FILE,
    RECORD_FILE,
];

/// The kinds of output; a file may be replaced without `--force` only by output of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Report,
    Checklist,
    Schema,
    Playbook,
    Mapping,
    DedupeReview,
    DedupePairs,
    Export,
    /// The workspace's Datasette `metadata.json`.
    Metadata,
    /// A workspace plan crmkit keeps and people edit (`rollout.yaml`).
    Plan,
    /// `samples` files: their folder is checked as a whole (empty, or an earlier run's, with
    /// its truth.json), so they are not recorded, and equal seeds give equal folders.
    Samples,
}

impl Kind {
    fn recorded(self) -> bool {
        self != Kind::Samples
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Report => "a report",
            Kind::Checklist => "a checklist",
            Kind::Schema => "a pulled schema",
            Kind::Playbook => "an exported playbook",
            Kind::Mapping => "a mapping",
            Kind::DedupeReview => "a dedupe review sheet",
            Kind::DedupePairs => "a dedupe pairs file",
            Kind::Export => "an export file",
            Kind::Metadata => "Datasette metadata",
            Kind::Plan => "a roll-out plan",
            Kind::Samples => "a sample file",
        }
    }
}

/// May an existing file be replaced?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Only crmkit's own unchanged output of the same kind.
    OwnOutput,
    /// Any file but a workspace's own (`--force`, or a caller that has checked already).
    Force,
}

impl Overwrite {
    /// `--force` as a policy.
    pub fn from_force(force: bool) -> Overwrite {
        if force {
            Overwrite::Force
        } else {
            Overwrite::OwnOutput
        }
    }
}

/// Checks that `path` may be written as output of `kind`; see the module header.
pub fn check(path: &Path, kind: Kind, overwrite: Overwrite) -> Result<()> {
    let real = real_path(path);
    if let Some(why) = protected(&real, kind) {
        return Err(Error::Usage(format!(
            "`{}` is {why}; crmkit never writes output over it\n  hint: choose another path",
            path.display()
        )));
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Ok(()),
    };
    if meta.is_dir() {
        return Err(Error::Usage(format!(
            "`{}` is a folder, not a file\n  hint: name a file to write",
            path.display()
        )));
    }
    if overwrite == Overwrite::Force || is_own_output(path, kind) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "`{}` already exists and is not {} crmkit wrote (or it was changed since); refusing to overwrite it\n  hint: pass --force to replace it, or choose another path",
        path.display(),
        kind.noun()
    )))
}

/// Writes `bytes` to `path` as output of `kind`: checked, atomic, owner-only, recorded.
pub fn write(path: &Path, kind: Kind, overwrite: Overwrite, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path, kind, overwrite)?;
    file.write_all(bytes)
        .map_err(|e| Error::io("write", file.temp.clone(), e))?;
    file.commit()
}

/// Creates `dir` and its missing parents, owner-only whatever the umask; folders that
/// exist already are left as they are.
pub fn create_dir(dir: &Path) -> Result<()> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    for d in missing.into_iter().rev() {
        std::fs::DirBuilder::new()
            .mode(DIR_MODE)
            .create(d)
            .or_else(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists if d.is_dir() => Ok(()),
                _ => Err(e),
            })
            .and_then(|()| set_mode(d, DIR_MODE))
            .map_err(|e| Error::io("create folder", d, e))?;
    }
    Ok(())
}

/// Sets `path`'s permission bits (the umask may have taken some away at creation).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Opens `path` for writing, created owner-only, truncated.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// The temporary name a file is written under before it is renamed into place: hidden, in
/// the same folder (so the rename is atomic), and per process.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".crmkit-tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Removes temporary files of `path` (see [`temp_path`]) left by runs that were killed before
/// they could clean up: their process is gone, so nothing will ever rename them into place.
/// A temporary file of a live process (a concurrent run) is left alone.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.crmkit-tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !crate::lock::alive(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// An output file being written under its temporary name; [`AtomicFile::commit`] renames it
/// into place, and dropping it uncommitted removes the temporary file.
pub struct AtomicFile {
    out: Option<BufWriter<File>>,
    temp: PathBuf,
    path: PathBuf,
    kind: Kind,
}

impl AtomicFile {
    /// Checks `path` (see [`check`]), creates its folder and the temporary file.
    pub fn create(path: &Path, kind: Kind, overwrite: Overwrite) -> Result<AtomicFile> {
        check(path, kind, overwrite)?;
        if let Some(dir) = path.parent() {
            create_dir(dir)?;
        }
        remove_stale_temps(path);
        let temp = temp_path(path);
        let file = create_private(&temp).map_err(|e| Error::io("create", &temp, e))?;
        Ok(AtomicFile {
            out: Some(BufWriter::with_capacity(1 << 16, file)),
            temp,
            path: path.to_path_buf(),
            kind,
        })
    }

    /// Where the file lands.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes to disk and renames the file into place, then records it.
    pub fn commit(mut self) -> Result<()> {
        let out = self.out.take().expect("committed once");
        let file = out
            .into_inner()
            .map_err(|e| Error::io("write", &self.temp, e.into_error()))?;
        file.sync_all()
            .map_err(|e| Error::io("write", &self.temp, e))?;
        drop(file);
        rename_into_place(&self.temp, &self.path, self.kind)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.as_mut().expect("not committed").write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Renames a finished temporary file (from [`temp_path`]) onto `path` and records it as
/// output of `kind`; for writers that need a path rather than a stream (workbooks).
pub fn rename_into_place(temp: &Path, path: &Path, kind: Kind) -> Result<()> {
    std::fs::rename(temp, path).map_err(|e| Error::io("rename", temp, e))?;
    if kind.recorded() {
        record(path, kind)?;
    }
    Ok(())
}

/// Records the file at `path`, as it is now, as crmkit's own output of `kind`: for a file a
/// person edited and crmkit has since taken in whole (an applied dedupe review sheet), so
/// replacing it loses nothing.
pub fn adopt(path: &Path, kind: Kind) -> Result<()> {
    if kind.recorded() {
        record(path, kind)?;
    }
    Ok(())
}

/// Removes crmkit's own unchanged output of `kind` at `path`, if that is what is there, so a
/// stale file cannot outlive the run that replaces its companions; anything else is kept.
pub fn remove_own_output(path: &Path, kind: Kind) -> Result<()> {
    if is_own_output(path, kind) {
        std::fs::remove_file(path).map_err(|e| Error::io("remove", path, e))?;
    }
    Ok(())
}

/// True when `path` is a file crmkit wrote as `kind` and nobody has changed since.
pub fn is_own_output(path: &Path, kind: Kind) -> bool {
    let (Some(dir), Some(name)) = (folder_of(path), path.file_name()) else {
        return false;
    };
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    Record::load(&dir)
        .files
        .get(&*name.to_string_lossy())
        .is_some_and(|entry| entry.kind == kind && entry.print == Print::of(&meta))
}

/// What a file looked like when crmkit wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Print {
    len: u64,
    modified_ns: i64,
    inode: u64,
}

impl Print {
    fn of(meta: &std::fs::Metadata) -> Print {
        Print {
            len: meta.len(),
            modified_ns: meta
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.mtime_nsec()),
            inode: meta.ino(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    kind: Kind,
    #[serde(flatten)]
    print: Print,
}

/// The contents of one folder's [`RECORD_FILE`].
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    files: BTreeMap<String, Entry>,
}

impl Record {
    /// The folder's record; a missing or unreadable one records nothing (so nothing is
    /// overwritten without `--force`).
    fn load(dir: &Path) -> Record {
        std::fs::read(dir.join(RECORD_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }
}

/// Adds `path` to its folder's record, replacing the record atomically.
fn record(path: &Path, kind: Kind) -> Result<()> {
    let (Some(dir), Some(name)) = (folder_of(path), path.file_name()) else {
        return Ok(());
    };
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io("read", path, e))?;
    let mut rec = Record::load(&dir);
    rec.files.insert(
        name.to_string_lossy().into_owned(),
        Entry {
            kind,
            print: Print::of(&meta),
        },
    );
    let record_path = dir.join(RECORD_FILE);
    let temp = temp_path(&record_path);
    let text = serde_json::to_vec_pretty(&rec)
        .map_err(|e| Error::Other(format!("cannot encode `{}`: {e}", record_path.display())))?;
    create_private(&temp)
        .and_then(|mut f| f.write_all(&text))
        .map_err(|e| Error::io("write", &temp, e))?;
    std::fs::rename(&temp, &record_path).map_err(|e| Error::io("rename", &temp, e))
}

fn folder_of(path: &Path) -> Option<PathBuf> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(PathBuf::from(".")),
        other => other.map(Path::to_path_buf),
    }
}

/// `path` with symbolic links resolved, as far as it exists, so that a link or a `..` cannot
/// smuggle a workspace file past [`protected`].
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (folder_of(path), path.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(&dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// Why `real` (a resolved path) may never receive output of `kind`, if it may not.
fn protected(real: &Path, kind: Kind) -> Option<String> {
    let name = real.file_name()?.to_string_lossy();
    let dir = real.parent()?;
    let in_workspace = |d: &Path| d.join(CONFIG_FILE).is_file();
    if WORKSPACE_FILES.contains(&&*name) && (in_workspace(dir) || name == RECORD_FILE) {
        return Some(format!("a crmkit workspace file (`{name}`)"));
    }
    if kind != Kind::Mapping
        && dir.file_name().is_some_and(|d| d == "mappings")
        && dir.parent().is_some_and(in_workspace)
    {
        return Some("a workspace's field mapping".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_unchanged_output_of_the_same_kind_is_replaced_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("readiness.md");
        write(&path, Kind::Report, Overwrite::OwnOutput, b"one").unwrap();
        write(&path, Kind::Report, Overwrite::OwnOutput, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            FILE_MODE
        );
        // Another kind of output may not take its place.
        let err = write(&path, Kind::Checklist, Overwrite::OwnOutput, b"x").unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        // Nor may anything once a person has edited the file.
        std::fs::write(&path, "edited by hand").unwrap();
        assert!(write(&path, Kind::Report, Overwrite::OwnOutput, b"three").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"edited by hand");
        write(&path, Kind::Report, Overwrite::Force, b"forced").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"forced");
    }

    #[test]
    fn a_file_crmkit_did_not_write_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.md");
        std::fs::write(&path, "mine").unwrap();
        let err = write(&path, Kind::Report, Overwrite::OwnOutput, b"x").unwrap_err();
        assert!(err.to_string().contains("notes.md"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
    }

    #[test]
    fn workspace_files_are_refused_even_with_force_and_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::write(ws.join(CONFIG_FILE), "version: 1\n").unwrap();
        std::fs::write(ws.join(DB_FILE), "db").unwrap();
        std::fs::create_dir(ws.join("mappings")).unwrap();
        std::fs::write(ws.join("mappings/accounts.yaml"), "m").unwrap();
        std::os::unix::fs::symlink(ws.join(DB_FILE), ws.join("link.html")).unwrap();
        for name in [CONFIG_FILE, DB_FILE, "staging.db-wal", "link.html"] {
            let err = write(&ws.join(name), Kind::Report, Overwrite::Force, b"x").unwrap_err();
            assert!(err.to_string().contains("workspace file"), "{name}: {err}");
        }
        let sneaky = ws.join("mappings/../staging.db");
        assert!(write(&sneaky, Kind::Export, Overwrite::Force, b"x").is_err());
        assert!(
            write(
                &ws.join("mappings/accounts.yaml"),
                Kind::Report,
                Overwrite::Force,
                b"x"
            )
            .is_err()
        );
        assert_eq!(std::fs::read(ws.join(DB_FILE)).unwrap(), b"db");
        assert_eq!(
            std::fs::read(ws.join(CONFIG_FILE)).unwrap(),
            b"version: 1\n"
        );
    }

    #[test]
    fn an_unfinished_file_leaves_the_old_one_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01_Account.csv");
        write(&path, Kind::Export, Overwrite::OwnOutput, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&path, Kind::Export, Overwrite::OwnOutput).unwrap();
            f.write_all(b"half of the new").unwrap();
            assert!(temp_path(&path).exists());
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn a_killed_runs_temporary_file_is_swept_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        // No process has pid 0x7fff_fff0 (above Linux's pid_max); this one is alive.
        let dead = dir.path().join(".report.html.crmkit-tmp-2147483632");
        let live = dir
            .path()
            .join(format!(".report.html.crmkit-tmp-{}", std::process::id()));
        let other = dir.path().join(".notes.txt.crmkit-tmp-2147483632");
        for p in [&dead, &other] {
            std::fs::write(p, "half").unwrap();
        }
        std::fs::write(&live, "in progress").unwrap();
        remove_stale_temps(&path);
        assert!(!dead.exists());
        assert!(
            live.exists(),
            "a running process's temporary file is its own"
        );
        assert!(
            other.exists(),
            "only the temporaries of the file being written"
        );
    }

    #[test]
    fn folders_are_created_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/report.md");
        write(&path, Kind::Report, Overwrite::OwnOutput, b"x").unwrap();
        for d in ["a", "a/b"] {
            let mode = std::fs::metadata(dir.path().join(d))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, DIR_MODE, "{d}");
        }
    }
}
