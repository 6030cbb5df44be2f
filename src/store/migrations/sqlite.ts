/**
 * @module store/migrations/sqlite
 * The SQLite schema as numbered steps, applied in order, each in its own transaction and recorded in
 * `schema_version`. Steps are append-only: a released step is never edited (a database that ran it would not run
 * it again); a change is a new step. `SqliteStore.migrate` applies them.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'alerts, triage history, suppressions, outbox, checkpoints, engine state, source health',
    sql: `
      -- One row per alert id, ever: the primary key is what deduplicates a batch read twice.
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        rule_id TEXT NOT NULL,
        time TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('new', 'acknowledged', 'resolved', 'suppressed')),
        -- No foreign key: the id stays as a record of what suppressed the alert after the suppression is removed.
        suppression_id TEXT,
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        alert TEXT NOT NULL
      );
      -- Two indexes only: every secondary index costs each insert of a 10,000-alert batch. Lists are newest first,
      -- usually by state (open alerts); tenant, rule and severity filters read along the time index.
      CREATE INDEX alerts_by_time ON alerts (time DESC, id);
      CREATE INDEX alerts_by_state ON alerts (state, time DESC, id);

      CREATE TABLE alert_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        state TEXT NOT NULL,
        by TEXT,
        note TEXT
      );
      CREATE INDEX alert_history_by_alert ON alert_history (alert_id, seq);

      CREATE TABLE suppressions (
        id TEXT PRIMARY KEY,
        rule_id TEXT,
        application TEXT,
        actor TEXT,
        resource TEXT,
        tenant TEXT,
        reason TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        hits INTEGER NOT NULL DEFAULT 0,
        -- A suppression with no scope would silence everything.
        CHECK (rule_id IS NOT NULL OR application IS NOT NULL OR actor IS NOT NULL OR resource IS NOT NULL OR tenant IS NOT NULL)
      );

      -- Pending deliveries; ties in next_attempt_at go in queue order (rowid).
      CREATE TABLE outbox (
        sink TEXT NOT NULL,
        alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        queued_at TEXT NOT NULL,
        PRIMARY KEY (sink, alert_id)
      );
      CREATE INDEX outbox_due ON outbox (sink, next_attempt_at);

      -- What left the outbox, and when (for appwatch status and tests).
      CREATE TABLE deliveries (
        sink TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        PRIMARY KEY (sink, alert_id)
      );

      CREATE TABLE checkpoints (source TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE engine_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE source_health (source TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'triage: assignee, close reason, append-only triage audit, dashboard visits',
    sql: `
      ALTER TABLE alerts ADD COLUMN assignee TEXT;
      ALTER TABLE alerts ADD COLUMN close_reason TEXT
        CHECK (close_reason IS NULL OR close_reason IN ('false_positive', 'duplicate', 'true_positive', 'benign_positive', 'other'));

      -- Every triage change, who/when/from/to. No foreign key: the trail outlives anything it names. Triggers make
      -- it append-only for every writer of the file, not only this code.
      CREATE TABLE triage_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL,
        at TEXT NOT NULL,
        by TEXT,
        action TEXT NOT NULL CHECK (action IN ('state', 'close_reason', 'assignee', 'note')),
        from_value TEXT,
        to_value TEXT,
        note TEXT,
        suppression_id TEXT
      );
      CREATE INDEX triage_audit_by_alert ON triage_audit (alert_id, seq);
      CREATE INDEX triage_audit_by_time ON triage_audit (at, seq);
      CREATE TRIGGER triage_audit_no_update BEFORE UPDATE ON triage_audit
        BEGIN SELECT RAISE(ABORT, 'the triage audit is append-only'); END;
      CREATE TRIGGER triage_audit_no_delete BEFORE DELETE ON triage_audit
        BEGIN SELECT RAISE(ABORT, 'the triage audit is append-only'); END;

      -- The trail starts complete: version 1's history becomes audit entries. Before the first change an alert was
      -- 'suppressed' if a suppression matched at commit (only commits set it then), else 'new'.
      INSERT INTO triage_audit (alert_id, at, by, action, from_value, to_value, note)
        SELECT h.alert_id, h.at, h.by, 'state',
          COALESCE(LAG(h.state) OVER (PARTITION BY h.alert_id ORDER BY h.seq), CASE WHEN a.suppression_id IS NULL THEN 'new' ELSE 'suppressed' END),
          h.state, h.note
        FROM alert_history h JOIN alerts a ON a.id = h.alert_id
        ORDER BY h.seq;

      -- When each person last opened the dashboard ("new since your last visit").
      CREATE TABLE dashboard_visits (user TEXT PRIMARY KEY, at TEXT NOT NULL);
    `,
  },
];

/** The newest schema version this code knows. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;
