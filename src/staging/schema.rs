//! Schema migrations, tracked with `PRAGMA user_version`.

use rusqlite::Connection;

use crate::error::Result;

/// Migrations in order; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: ingest catalog.
    "CREATE TABLE _batches (
        batch       INTEGER PRIMARY KEY,
        dataset     TEXT NOT NULL,
        path        TEXT NOT NULL,
        size        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        format      TEXT NOT NULL,
        encoding    TEXT,
        delimiter   TEXT,
        sheet       TEXT,
        columns     INTEGER NOT NULL DEFAULT 0,
        rows_read   INTEGER NOT NULL DEFAULT 0,
        rows_stored INTEGER NOT NULL DEFAULT 0,
        issues      INTEGER NOT NULL DEFAULT 0,
        started_at  TEXT NOT NULL,
        finished_at TEXT
     );
     CREATE UNIQUE INDEX _batches_content ON _batches (sha256, coalesce(sheet, ''));
     CREATE INDEX _batches_dataset ON _batches (dataset);
     CREATE TABLE _columns (
        batch       INTEGER NOT NULL REFERENCES _batches (batch) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        header      TEXT NOT NULL,
        column_name TEXT NOT NULL,
        PRIMARY KEY (batch, position)
     );
     CREATE TABLE _issues (
        id      INTEGER PRIMARY KEY,
        batch   INTEGER NOT NULL REFERENCES _batches (batch) ON DELETE CASCADE,
        file    TEXT NOT NULL,
        row     INTEGER,
        column  TEXT,
        kind    TEXT NOT NULL,
        detail  TEXT NOT NULL
     );
     CREATE INDEX _issues_batch ON _issues (batch);
     -- Headline figures each command leaves for the playbook's evidence checks,
     -- e.g. profile.invalid_email_rate or reconcile.balanced (1/0).
     CREATE TABLE _metrics (
        name        TEXT PRIMARY KEY,
        value       REAL NOT NULL,
        detail      TEXT,
        source      TEXT NOT NULL,
        computed_at TEXT NOT NULL
     );
     -- Playbook answers: the latest row per item is the answer in force.
     CREATE TABLE _answers (
        id          INTEGER PRIMARY KEY,
        playbook    TEXT NOT NULL,
        item        TEXT NOT NULL,
        answer      TEXT NOT NULL,
        author      TEXT NOT NULL,
        answered_at TEXT NOT NULL
     );
     CREATE INDEX _answers_item ON _answers (playbook, item);",
    // 2: duplicate detection and merges.
    "CREATE TABLE _dedupe_runs (
        dataset         TEXT PRIMARY KEY,
        object          TEXT NOT NULL,
        id_column       TEXT,
        roles           TEXT NOT NULL,
        threshold       REAL NOT NULL,
        records         INTEGER NOT NULL,
        candidate_pairs INTEGER NOT NULL,
        linked_pairs    INTEGER NOT NULL,
        clusters        INTEGER NOT NULL,
        duplicates      INTEGER NOT NULL,
        created_at      TEXT NOT NULL
     );
     -- One row per record in a duplicate cluster; status: proposed, accepted or rejected.
     CREATE TABLE _clusters (
        dataset   TEXT NOT NULL,
        cluster   INTEGER NOT NULL,
        _batch    INTEGER NOT NULL,
        _row      INTEGER NOT NULL,
        record_id TEXT NOT NULL,
        survivor  INTEGER NOT NULL,
        status    TEXT NOT NULL,
        rule      TEXT NOT NULL,
        PRIMARY KEY (dataset, _batch, _row)
     );
     CREATE TABLE _dedupe_pairs (
        dataset     TEXT NOT NULL,
        cluster     INTEGER NOT NULL,
        id_a        TEXT NOT NULL,
        id_b        TEXT NOT NULL,
        probability REAL NOT NULL,
        total       REAL NOT NULL,
        fields      TEXT NOT NULL
     );
     CREATE INDEX _dedupe_pairs_cluster ON _dedupe_pairs (dataset, cluster);
     -- Merged values per cluster and role, and the record each came from.
     CREATE TABLE _golden (
        dataset     TEXT NOT NULL,
        cluster     INTEGER NOT NULL,
        role        TEXT NOT NULL,
        column_name TEXT NOT NULL,
        value       TEXT,
        from_id     TEXT NOT NULL,
        pick        TEXT NOT NULL,
        PRIMARY KEY (dataset, cluster, role)
     );
     -- Every merged-away record and its survivor (rejected clusters have none).
     CREATE TABLE _merges (
        dataset        TEXT NOT NULL,
        _batch         INTEGER NOT NULL,
        _row           INTEGER NOT NULL,
        record_id      TEXT NOT NULL,
        survivor_batch INTEGER NOT NULL,
        survivor_row   INTEGER NOT NULL,
        survivor_id    TEXT NOT NULL,
        cluster        INTEGER NOT NULL,
        rule           TEXT NOT NULL,
        PRIMARY KEY (dataset, _batch, _row)
     );",
    // 3: the last profile (`crmkit profile`), replaced as a whole by each run.
    "CREATE TABLE _profile_runs (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        as_of            TEXT NOT NULL,
        stale_after_days INTEGER NOT NULL,
        computed_at      TEXT NOT NULL,
        document         TEXT NOT NULL -- the JSON document of `profile --json`
     );
     CREATE TABLE _profile_datasets (
        dataset        TEXT PRIMARY KEY,
        source         TEXT NOT NULL,
        rows           INTEGER NOT NULL,
        duplicate_rows INTEGER NOT NULL,
        candidate_keys TEXT NOT NULL -- JSON array
     );
     CREATE TABLE _profile_columns (
        dataset         TEXT NOT NULL,
        position        INTEGER NOT NULL,
        column_name     TEXT NOT NULL,
        header          TEXT NOT NULL,
        type            TEXT NOT NULL,
        type_share      REAL NOT NULL,
        rows            INTEGER NOT NULL,
        filled          INTEGER NOT NULL,
        nulls           INTEGER NOT NULL,
        blanks          INTEGER NOT NULL,
        whitespace      INTEGER NOT NULL,
        placeholders    INTEGER NOT NULL,
        distinct_count  INTEGER NOT NULL,
        distinct_method TEXT NOT NULL,
        invalid         INTEGER NOT NULL,
        min_length      INTEGER,
        max_length      INTEGER,
        detail          TEXT NOT NULL, -- the column's profile as JSON
        PRIMARY KEY (dataset, column_name)
     );
     CREATE TABLE _profile_findings (
        id          INTEGER PRIMARY KEY,
        rank        INTEGER NOT NULL, -- 1 = worst
        check_name  TEXT NOT NULL,
        dataset     TEXT NOT NULL,
        column_name TEXT,
        header      TEXT,
        count       INTEGER NOT NULL, -- records affected
        examples    TEXT NOT NULL, -- JSON array
        detail      TEXT NOT NULL
     );
     CREATE TABLE _profile_references (
        from_dataset    TEXT NOT NULL,
        from_column     TEXT NOT NULL,
        to_dataset      TEXT NOT NULL,
        to_column       TEXT NOT NULL,
        declared        INTEGER NOT NULL,
        match_rate      REAL NOT NULL,
        \"values\"        INTEGER NOT NULL,
        orphans         INTEGER NOT NULL,
        orphan_examples TEXT NOT NULL -- JSON array
     );",
    // 4: staging: where every source row went, and the load plan.
    "CREATE TABLE _rejects (
        dataset TEXT NOT NULL,
        _batch  INTEGER NOT NULL,
        _row    INTEGER NOT NULL,
        object  TEXT NOT NULL,
        reason  TEXT NOT NULL,
        field   TEXT,
        value   TEXT,
        detail  TEXT NOT NULL
     );
     CREATE INDEX _rejects_row ON _rejects (dataset, _batch, _row);
     CREATE TABLE _exclusions (
        dataset TEXT NOT NULL,
        _batch  INTEGER NOT NULL,
        _row    INTEGER NOT NULL,
        object  TEXT NOT NULL,
        rule    TEXT NOT NULL,
        detail  TEXT NOT NULL,
        PRIMARY KEY (dataset, _batch, _row)
     );
     CREATE TABLE _stage_runs (
        dataset     TEXT PRIMARY KEY,
        object      TEXT NOT NULL,
        target      TEXT NOT NULL,
        target_object TEXT NOT NULL,
        source_rows INTEGER NOT NULL,
        staged      INTEGER NOT NULL,
        merged      INTEGER NOT NULL,
        rejected    INTEGER NOT NULL,
        excluded    INTEGER NOT NULL,
        staged_at   TEXT NOT NULL
     );
     -- Every source record's key and what a reference to it resolves to.
     CREATE TABLE _stage_keys (
        object      TEXT NOT NULL,
        key         TEXT NOT NULL,
        status      TEXT NOT NULL, -- staged, merged, rejected, excluded
        external_id TEXT,          -- the staged record a reference lands on (survivor for merged)
        dataset     TEXT NOT NULL,
        _batch      INTEGER NOT NULL,
        _row        INTEGER NOT NULL,
        detail      TEXT,
        PRIMARY KEY (object, key)
     );
     CREATE TABLE _load_plan (
        position      INTEGER PRIMARY KEY,
        object        TEXT NOT NULL,
        target_object TEXT NOT NULL,
        pass          TEXT NOT NULL,
        fields        TEXT NOT NULL,
        rows          INTEGER NOT NULL,
        note          TEXT
     );",
    // 5: survivors are looked up by cluster when merges are rebuilt.
    "CREATE INDEX _clusters_cluster ON _clusters (dataset, cluster, survivor);",
    // 6: each dormant or dead account of the last profile, for exclusion rules.
    "CREATE TABLE _profile_status (
        dataset TEXT NOT NULL,
        key     TEXT NOT NULL,
        status  TEXT NOT NULL,
        PRIMARY KEY (dataset, key)
     );",
    // 7: go-to-market scores per record (status, rfm.*, lead.*, territory, owner), for stage
    // and the reports.
    "CREATE TABLE _scores (
        dataset     TEXT NOT NULL,
        key         TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       REAL,
        text        TEXT,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (dataset, key, name)
     );",
    // 8: adoption snapshots and their figures (issue 12). Scope is `all`, `rep:NAME`,
    // `team:NAME`, `manager:NAME` or `region:NAME`; names carry no `adoption.` prefix
    // (the latest snapshot's `all` figures are also in `_metrics` as `adoption.NAME`).
    "CREATE TABLE _adoption_snapshots (
        snapshot    TEXT PRIMARY KEY,
        as_of       TEXT NOT NULL,
        ingested_at TEXT NOT NULL
     );
     CREATE TABLE _adoption_metrics (
        snapshot TEXT NOT NULL REFERENCES _adoption_snapshots (snapshot),
        scope    TEXT NOT NULL,
        name     TEXT NOT NULL,
        value    REAL,
        detail   TEXT,
        PRIMARY KEY (snapshot, scope, name)
     );",
    // 9: stage keys per dataset (two datasets into one object keep separate key namespaces),
    // and load-plan steps per dataset (each upserts on its own external-id field).
    "CREATE TABLE _stage_keys_9 (
        object      TEXT NOT NULL,
        key         TEXT NOT NULL,
        status      TEXT NOT NULL,
        external_id TEXT,
        dataset     TEXT NOT NULL,
        _batch      INTEGER NOT NULL,
        _row        INTEGER NOT NULL,
        detail      TEXT,
        PRIMARY KEY (object, dataset, key)
     );
     INSERT INTO _stage_keys_9 SELECT object, key, status, external_id, dataset, _batch, _row, detail FROM _stage_keys;
     DROP TABLE _stage_keys;
     ALTER TABLE _stage_keys_9 RENAME TO _stage_keys;
     ALTER TABLE _load_plan ADD COLUMN dataset TEXT;",
    // 10: foreign keys SQLite tools follow (Datasette links them), declared where they always
    // hold. A profile's columns belong to its datasets (written together, replaced together);
    // SQLite cannot add a constraint in place, so the small table is rebuilt.
    "CREATE TABLE _profile_columns_fk (
        dataset         TEXT NOT NULL REFERENCES _profile_datasets (dataset)
                        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        position        INTEGER NOT NULL,
        column_name     TEXT NOT NULL,
        header          TEXT NOT NULL,
        type            TEXT NOT NULL,
        type_share      REAL NOT NULL,
        rows            INTEGER NOT NULL,
        filled          INTEGER NOT NULL,
        nulls           INTEGER NOT NULL,
        blanks          INTEGER NOT NULL,
        whitespace      INTEGER NOT NULL,
        placeholders    INTEGER NOT NULL,
        distinct_count  INTEGER NOT NULL,
        distinct_method TEXT NOT NULL,
        invalid         INTEGER NOT NULL,
        min_length      INTEGER,
        max_length      INTEGER,
        detail          TEXT NOT NULL, -- the column's profile as JSON
        PRIMARY KEY (dataset, column_name)
     );
     INSERT INTO _profile_columns_fk
       SELECT dataset, position, column_name, header, type, type_share, rows, filled, nulls,
              blanks, whitespace, placeholders, distinct_count, distinct_method, invalid,
              min_length, max_length, detail
       FROM _profile_columns WHERE dataset IN (SELECT dataset FROM _profile_datasets);
     DROP TABLE _profile_columns;
     ALTER TABLE _profile_columns_fk RENAME TO _profile_columns;",
    // 11: the roll-out plan (`rollout.yaml`) mirrored for SQL readers, with each phase's
    // health and exit outcome as of the last `crmkit rollout` run; lists are JSON arrays.
    "CREATE TABLE _rollout_phases (
        name       TEXT PRIMARY KEY,
        position   INTEGER NOT NULL,
        modules    TEXT NOT NULL,
        teams      TEXT NOT NULL,
        users      TEXT NOT NULL,
        accounts   TEXT NOT NULL,
        start      TEXT NOT NULL,
        end        TEXT NOT NULL,
        exit       TEXT,
        status     TEXT NOT NULL,
        completed  TEXT,
        health     TEXT NOT NULL,
        exit_outcome TEXT NOT NULL,
        as_of      TEXT NOT NULL,
        synced_at  TEXT NOT NULL
     );
     CREATE TABLE _rollout_milestones (
        name      TEXT PRIMARY KEY,
        position  INTEGER NOT NULL,
        date      TEXT NOT NULL,
        phase     TEXT,
        done      INTEGER NOT NULL,
        synced_at TEXT NOT NULL
     );",
    // 12: adoption snapshots' rows, normalised from the exports (issue 12): owners as written
    // with their folded key and the rep they resolve to, dates as day numbers (0001-01-01 =
    // 1), activity and logins counted per owner and day; the analysis the report renders.
    "CREATE TABLE _adoption_files (
        snapshot TEXT NOT NULL REFERENCES _adoption_snapshots (snapshot),
        file     TEXT NOT NULL,
        sha256   TEXT NOT NULL,
        role     TEXT NOT NULL,
        rows     INTEGER NOT NULL,
        skipped  INTEGER NOT NULL,
        fields   TEXT NOT NULL, -- JSON: field -> header
        PRIMARY KEY (snapshot, sha256, role)
     );
     CREATE TABLE _adoption_users (
        snapshot   TEXT NOT NULL,
        user_key   TEXT NOT NULL,
        id         TEXT,
        name       TEXT NOT NULL,
        email      TEXT,
        role       TEXT,
        team       TEXT,
        manager    TEXT,
        region     TEXT,
        active     INTEGER,
        licensed   INTEGER NOT NULL,
        last_login INTEGER,
        quota      REAL,
        PRIMARY KEY (snapshot, user_key)
     );
     CREATE TABLE _adoption_aliases (
        snapshot TEXT NOT NULL,
        alias    TEXT NOT NULL,
        user_key TEXT NOT NULL,
        PRIMARY KEY (snapshot, alias)
     );
     CREATE TABLE _adoption_opps (
        snapshot      TEXT NOT NULL,
        opp           TEXT NOT NULL,
        owner         TEXT NOT NULL,
        owner_key     TEXT NOT NULL,
        rep           TEXT,
        stage         TEXT NOT NULL,
        class         TEXT NOT NULL, -- open, won, lost
        amount        REAL,
        created       INTEGER,
        close         INTEGER,
        modified      INTEGER,
        next_step     INTEGER, -- 1 filled, 0 blank, NULL no such column
        forecast      INTEGER,
        contact_roles INTEGER,
        PRIMARY KEY (snapshot, opp)
     );
     CREATE TABLE _adoption_stage_history (
        snapshot TEXT NOT NULL,
        opp      TEXT NOT NULL,
        stage    TEXT NOT NULL,
        entered  INTEGER NOT NULL,
        PRIMARY KEY (snapshot, opp, entered, stage)
     );
     CREATE TABLE _adoption_stage_order (
        snapshot TEXT NOT NULL,
        stage    TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (snapshot, stage)
     );
     CREATE TABLE _adoption_activity (
        snapshot  TEXT NOT NULL,
        owner     TEXT NOT NULL,
        owner_key TEXT NOT NULL,
        rep       TEXT,
        day       INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        PRIMARY KEY (snapshot, owner_key, day)
     );
     CREATE TABLE _adoption_logins (
        snapshot  TEXT NOT NULL,
        owner     TEXT NOT NULL,
        owner_key TEXT NOT NULL,
        rep       TEXT,
        day       INTEGER NOT NULL,
        count     INTEGER NOT NULL,
        created   INTEGER NOT NULL DEFAULT 0, -- records created (usage summaries)
        updated   INTEGER NOT NULL DEFAULT 0, -- records updated (usage summaries)
        source    TEXT NOT NULL,              -- logins or usage
        PRIMARY KEY (snapshot, source, owner_key, day)
     );
     CREATE TABLE _adoption_leads (
        snapshot      TEXT NOT NULL,
        lead          TEXT NOT NULL,
        owner         TEXT,
        owner_key     TEXT,
        rep           TEXT,
        status        TEXT,
        stage         TEXT NOT NULL, -- lead, mql, sql, opportunity (from the status)
        source        TEXT,
        created       INTEGER,
        converted     INTEGER,
        converted_opp TEXT,
        PRIMARY KEY (snapshot, lead)
     );
     CREATE TABLE _adoption_analysis (
        snapshot TEXT PRIMARY KEY REFERENCES _adoption_snapshots (snapshot),
        analysis TEXT NOT NULL -- JSON: the report model's figures for this snapshot
     );",
    // 13: dedupe review answers (pair labels) that teach a dataset's model, kept across runs.
    "CREATE TABLE _dedupe_labels (
        dataset  TEXT NOT NULL,
        batch_a  INTEGER NOT NULL,
        row_a    INTEGER NOT NULL,
        batch_b  INTEGER NOT NULL,
        row_b    INTEGER NOT NULL,
        id_a     TEXT NOT NULL,
        id_b     TEXT NOT NULL,
        is_match INTEGER NOT NULL,
        answered TEXT NOT NULL,
        PRIMARY KEY (dataset, batch_a, row_a, batch_b, row_b)
     );",
    // 14: dedupe linked across sources (`crmkit dedupe A B C`): the run, the lineage of every
    // cluster member to its source row, and merges into a survivor of another dataset.
    "CREATE TABLE _link_runs (
        link       TEXT PRIMARY KEY,   -- the datasets joined by '+', in priority order
        datasets   TEXT NOT NULL,      -- JSON array of the datasets, survivor priority first
        object     TEXT NOT NULL,
        threshold  REAL NOT NULL,
        created_at TEXT NOT NULL
     );
     CREATE TABLE _link_members (
        link             TEXT NOT NULL,
        cluster          INTEGER NOT NULL,
        dataset          TEXT NOT NULL,
        _batch           INTEGER NOT NULL,
        _row             INTEGER NOT NULL,
        record_id        TEXT NOT NULL,
        survivor         INTEGER NOT NULL,  -- 1 on the cluster's surviving record
        survivor_dataset TEXT NOT NULL,
        survivor_batch   INTEGER NOT NULL,
        survivor_row     INTEGER NOT NULL,
        survivor_id      TEXT NOT NULL,
        status           TEXT NOT NULL,     -- proposed, accepted, rejected or removed
        rule             TEXT NOT NULL,     -- the survivorship criterion (or review)
        provides         TEXT NOT NULL,     -- JSON: golden values this record gave {role, column, value, pick}
        golden           TEXT,              -- on the survivor: JSON {its column: golden value}
        PRIMARY KEY (dataset, _batch, _row)
     );
     CREATE INDEX _link_members_cluster ON _link_members (link, cluster);
     ALTER TABLE _merges ADD COLUMN survivor_dataset TEXT;",
    // 15: what reading an adoption export noticed (ragged rows, unclosed quotes, undecodable
    // bytes), by file, row, line and column, with the value as read, so the report can say
    // which rows were not used and why.
    "CREATE TABLE _adoption_issues (
        snapshot TEXT NOT NULL REFERENCES _adoption_snapshots (snapshot),
        file     TEXT NOT NULL,
        sha256   TEXT NOT NULL,
        row      INTEGER NOT NULL,
        line     INTEGER,
        col      TEXT,
        value    TEXT,
        kind     TEXT NOT NULL,
        detail   TEXT NOT NULL,
        used     INTEGER NOT NULL -- 1 the row was still read, 0 it was not used
     );
     CREATE INDEX _adoption_issues_snapshot ON _adoption_issues (snapshot, file);",
    // 16: the survivorship rules each dataset's dedupe run used (`--rules` or the playbook's),
    // so stage replaces an excluded or rejected survivor by the same rules.
    "CREATE TABLE _dedupe_survivorship (
        dataset TEXT PRIMARY KEY,
        rules   TEXT NOT NULL -- JSON: the survivorship section of the dedupe rules
     );",
    // 17: review answers of a linked run (`dedupe review A B C`) name each record's dataset;
    // `dataset` holds the link's name then (NULL sides: the row's `dataset`).
    "ALTER TABLE _dedupe_labels ADD COLUMN dataset_a TEXT;
     ALTER TABLE _dedupe_labels ADD COLUMN dataset_b TEXT;",
    // 18: where stage replaced a cluster's survivor it could not load (excluded or rejected):
    // the member that survives in its place, and every member merging into that one.
    "CREATE TABLE _stage_survivors (
        dataset           TEXT NOT NULL,
        _batch            INTEGER NOT NULL,
        _row              INTEGER NOT NULL,
        survivor_dataset  TEXT NOT NULL,    -- the record that survives (itself, when promoted)
        survivor_batch    INTEGER NOT NULL,
        survivor_row      INTEGER NOT NULL,
        replaces_dataset  TEXT NOT NULL,    -- the survivor dedupe chose, not loaded
        replaces_batch    INTEGER NOT NULL,
        replaces_row      INTEGER NOT NULL,
        PRIMARY KEY (dataset, _batch, _row)
     );",
    // 19: stage keys clustered on their key: stage writes one row per source record, and a
    // rowid table kept each one twice (the table, then its key index), a third of the run's
    // B-tree writes. Same columns and key; rows read back in key order, as they were written.
    "CREATE TABLE _stage_keys_19 (
        object      TEXT NOT NULL,
        key         TEXT NOT NULL,
        status      TEXT NOT NULL,
        external_id TEXT,
        dataset     TEXT NOT NULL,
        _batch      INTEGER NOT NULL,
        _row        INTEGER NOT NULL,
        detail      TEXT,
        PRIMARY KEY (object, dataset, key)
     ) WITHOUT ROWID;
     INSERT INTO _stage_keys_19 SELECT object, key, status, external_id, dataset, _batch, _row, detail FROM _stage_keys;
     DROP TABLE _stage_keys;
     ALTER TABLE _stage_keys_19 RENAME TO _stage_keys;",
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies every migration the database has not seen, each in its own transaction.
pub fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > CURRENT_VERSION {
        return Err(crate::Error::Other(format!(
            "the staging database has schema version {version}, newer than this crmkit ({CURRENT_VERSION}); upgrade crmkit"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}
