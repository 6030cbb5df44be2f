/**
 * Vitest globalSetup: ONE private PostgreSQL cluster for the whole run (tests/helpers/postgres-cluster.ts; tests
 * make their own databases in it with tests/helpers/postgres.ts `freshDatabase`), deleted after the run. Costs
 * well under a second here.
 *
 * No binaries: in CI (CI set) that is an error (.ci/run installs postgresql-15); elsewhere the PostgreSQL tests are
 * skipped with the reason in `postgresSkip`.
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBinaries, POSTGRES_MISSING, startPostgresCluster } from '../helpers/postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://postgres@127.0.0.1:PORT/postgres, or '' when PostgreSQL tests are skipped. */
    postgresUrl: string;
    /** Why PostgreSQL tests are skipped; '' when the cluster runs. */
    postgresSkip: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!findPostgresBinaries()) {
    if (process.env.CI) throw new Error(`${POSTGRES_MISSING}: CI must have it (.ci/run installs postgresql-15)`);
    project.provide('postgresUrl', '');
    project.provide('postgresSkip', `${POSTGRES_MISSING}: PostgreSQL tests skipped`);
    return async () => undefined;
  }
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
  project.provide('postgresSkip', '');
  return cluster.remove;
}
