/**
 * @module store/migrations/postgres
 * The PostgreSQL schema as numbered steps, applied in order, each in its own transaction (DDL is transactional in
 * PostgreSQL) under an advisory lock, and recorded in `schema_migrations`. Steps are append-only: a released step
 * is never edited; a change is a new step. `PostgresStore.migrate` applies them.
 *
 * Step 1 mirrors SQLite's schema version 2 (the same tables and meaning); step 2 adds the worker-fleet tables.
 * Times the contract compares are ISO-8601 text (normalised by the store) so they come back byte-identical, and
 * every text column that is ordered or range-compared is `COLLATE "C"`: byte order, as SQLite compares, whatever
 * the database's locale. Alerts, checkpoints and state are JSON as text, never jsonb: jsonb reorders keys, and what
 * the sinks send must be what the pipeline built.
 */
import type { Migration } from './sqlite.js';

export type { Migration } from './sqlite.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'alerts, triage history and append-only audit, suppressions, outbox, deliveries, checkpoints, engine state, source health, dashboard visits',
    sql: `
      -- One row per alert id, ever: the primary key is what deduplicates a batch read twice, or by two workers.
      CREATE TABLE alerts (
        id text COLLATE "C" PRIMARY KEY,
        tenant text NOT NULL,
        severity_rank integer NOT NULL,
        rule_id text NOT NULL,
        time text COLLATE "C" NOT NULL,
        state text NOT NULL CHECK (state IN ('new', 'acknowledged', 'resolved', 'suppressed')),
        -- No foreign key: the id stays as a record of what suppressed the alert after the suppression is removed.
        suppression_id text,
        first_seen text COLLATE "C" NOT NULL,
        updated_at text COLLATE "C" NOT NULL,
        alert text NOT NULL,
        assignee text,
        close_reason text
          CHECK (close_reason IS NULL OR close_reason IN ('false_positive', 'duplicate', 'true_positive', 'benign_positive', 'other'))
      );
      -- Two indexes only, as in SQLite: every secondary index costs each insert of a 10,000-alert batch.
      CREATE INDEX alerts_by_time ON alerts (time DESC, id);
      CREATE INDEX alerts_by_state ON alerts (state, time DESC, id);

      CREATE TABLE alert_history (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id text COLLATE "C" NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        at text NOT NULL,
        state text NOT NULL,
        by text,
        note text
      );
      CREATE INDEX alert_history_by_alert ON alert_history (alert_id, seq);

      CREATE TABLE suppressions (
        id text COLLATE "C" PRIMARY KEY,
        rule_id text,
        application text,
        actor text,
        resource text,
        tenant text,
        reason text NOT NULL,
        author text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        expires_at text COLLATE "C",
        hits integer NOT NULL DEFAULT 0,
        -- A suppression with no scope would silence everything.
        CHECK (rule_id IS NOT NULL OR application IS NOT NULL OR actor IS NOT NULL OR resource IS NOT NULL OR tenant IS NOT NULL)
      );

      -- Pending deliveries; ties in next_attempt_at go in queue order (seq, SQLite's rowid).
      CREATE TABLE outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        sink text COLLATE "C" NOT NULL,
        alert_id text COLLATE "C" NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at text COLLATE "C" NOT NULL,
        last_error text,
        queued_at text NOT NULL,
        PRIMARY KEY (sink, alert_id)
      );
      CREATE INDEX outbox_due ON outbox (sink, next_attempt_at, seq);

      -- What left the outbox, and when.
      CREATE TABLE deliveries (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        sink text COLLATE "C" NOT NULL,
        alert_id text COLLATE "C" NOT NULL,
        delivered_at text COLLATE "C" NOT NULL,
        attempts integer NOT NULL,
        PRIMARY KEY (sink, alert_id)
      );

      CREATE TABLE checkpoints (source text PRIMARY KEY, value text NOT NULL, updated_at text NOT NULL);
      CREATE TABLE engine_state (key text PRIMARY KEY, value text NOT NULL, updated_at text NOT NULL);
      CREATE TABLE source_health (source text COLLATE "C" PRIMARY KEY, value text NOT NULL, updated_at text NOT NULL);

      -- Every triage change, who/when/from/to. No foreign key: the trail outlives anything it names. Statement
      -- triggers make it append-only for every client of the database (UPDATE, DELETE and TRUNCATE, even when
      -- they would touch no row), not only for this code.
      CREATE TABLE triage_audit (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id text COLLATE "C" NOT NULL,
        at text COLLATE "C" NOT NULL,
        by text,
        action text NOT NULL CHECK (action IN ('state', 'close_reason', 'assignee', 'note')),
        from_value text,
        to_value text,
        note text,
        suppression_id text
      );
      CREATE INDEX triage_audit_by_alert ON triage_audit (alert_id, seq);
      CREATE INDEX triage_audit_by_time ON triage_audit (at, seq);
      CREATE FUNCTION triage_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the triage audit is append-only' USING ERRCODE = 'insufficient_privilege';
        END
      $$;
      CREATE TRIGGER triage_audit_no_change BEFORE UPDATE OR DELETE ON triage_audit
        FOR EACH STATEMENT EXECUTE FUNCTION triage_audit_append_only();
      CREATE TRIGGER triage_audit_no_truncate BEFORE TRUNCATE ON triage_audit
        FOR EACH STATEMENT EXECUTE FUNCTION triage_audit_append_only();

      -- When each person last opened the dashboard ("new since your last visit").
      CREATE TABLE dashboard_visits (user_name text PRIMARY KEY, at text NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'worker fleet: tenant leases with fencing tokens, workers, shared token buckets',
    sql: `
      -- One row per tenant: who polls it (lease_owner until lease_until) and the fencing token a commit must still
      -- hold (commitBatch checks it under FOR UPDATE). Times here are the database's own (now()), never a worker's.
      CREATE TABLE fleet_leases (
        tenant text PRIMARY KEY,
        interval_s integer NOT NULL,
        next_run_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text,
        lease_until timestamptz,
        fence bigint NOT NULL DEFAULT 0,
        last_owner text,
        last_poll_at timestamptz,
        polls bigint NOT NULL DEFAULT 0,
        rejected_commits bigint NOT NULL DEFAULT 0
      );
      CREATE INDEX fleet_leases_due ON fleet_leases (next_run_at);
      CREATE TABLE fleet_workers (id text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL, version text NOT NULL,
        started_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL, stopped_at timestamptz);
      CREATE TABLE fleet_buckets (key text PRIMARY KEY, tokens double precision NOT NULL, capacity double precision NOT NULL,
        refill_per_s double precision NOT NULL, updated_at timestamptz NOT NULL);
    `,
  },
];

/** The newest schema version this code knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;
