/**
 * @module simulate/render/graph
 * Microsoft Graph beta responses as a collector saves them: `graph/directoryAudits/<date>-<n>.json` and
 * `graph/signIns/<date>-<n>.json`, pages of up to 1000 objects with `@odata.context` and, between pages of
 * one day, `@odata.nextLink`. Key Vault and Activity logs have no Graph API: they are written as diagnostic
 * exports next to them.
 */
import { join } from 'node:path';
import type { SimRecord } from '../records.js';
import { diagnosticRenderer } from './diagnostic.js';
import { dateOf, FileSet } from './files.js';
import type { LogRenderer, RenderContext } from './types.js';

const PAGE = 1000;
const BASE = 'https://graph.microsoft.com/beta';

export function graphRenderer(ctx: RenderContext): LogRenderer {
  const files = new FileSet();
  const azure = diagnosticRenderer({ ...ctx, dir: join(ctx.dir, 'azure') }, new Set(['keyvault', 'activity']));
  const writePages = async (api: 'directoryAudits' | 'signIns', date: string, items: readonly SimRecord[]): Promise<void> => {
    const pages = Math.ceil(items.length / PAGE);
    for (let p = 0; p < pages; p++) {
      const path = join(ctx.dir, 'graph', api, `${date}-${String(p + 1).padStart(3, '0')}.json`);
      const next = p + 1 < pages ? `,"@odata.nextLink":${JSON.stringify(`${BASE}/auditLogs/${api}?$filter=${api === 'signIns' ? 'createdDateTime' : 'activityDateTime'}%20ge%20${date}&$skiptoken=${date.replace(/-/g, '')}${p + 1}`)}` : '';
      const open = `{"@odata.context":"${BASE}/$metadata#auditLogs/${api}"${next},"value":[\n`;
      for (const sim of items.slice(p * PAGE, (p + 1) * PAGE)) await files.append(path, JSON.stringify(sim.record), { open, close: '\n]}\n', separator: ',\n' });
      await files.closeFile(path);
    }
  };
  return {
    async writeDay(dayMs, records) {
      const date = dateOf(dayMs);
      await writePages('directoryAudits', date, records.filter((r) => r.kind === 'audit'));
      await writePages('signIns', date, records.filter((r) => r.kind === 'signin'));
      await azure.writeDay(dayMs, records);
    },
    async finish() {
      await files.closeAll();
      return [...files.written, ...(await azure.finish())];
    },
  };
}
