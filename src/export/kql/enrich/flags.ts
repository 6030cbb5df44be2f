/**
 * @module export/kql/enrich/flags
 * appwatch.flags in KQL, flag by flag: those computed from the event (permissions, roles, credentials, who
 * acted, Microsoft first-party apps), those from appwatch.yaml's context (business hours; the query follows
 * the configuration given with --config, as a scan does), and "never seen before" vault callers as a lookback
 * over the table itself. Flags that need what KQL does not have (DNS answers, name look-alikes, a tenant
 * snapshot, appwatch's learned baseline) are named with the reason.
 */
import { readFileSync } from 'node:fs';
import { atom, FALSE, type Bool } from '../expr.js';
import { kqlString, kqlTimespan } from '../escape.js';
import type { Scope } from '../scope.js';
import { auditFlag } from './audit.js';
import { computed } from './helpers.js';
import { azurePrivileged, claimExpr } from './resources.js';
import { appIdColumn } from './app-id.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Every flag appwatch sets, and why KQL cannot compute those it cannot. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  'redirect-uri-wildcard': 'redirect URI flags come from parsing each added URI (enrich/uris.ts)',
  'redirect-uri-unparseable': 'redirect URI flags come from parsing each added URI (enrich/uris.ts)',
  'redirect-uri-not-https': 'redirect URI flags come from parsing each added URI (enrich/uris.ts)',
  'redirect-uri-localhost': 'redirect URI flags come from parsing each added URI (enrich/uris.ts)',
  'redirect-uri-ip-literal': 'redirect URI flags come from parsing each added URI (enrich/uris.ts)',
  'redirect-uri-unverified-domain': 'needs the redirect URIs parsed and context.verifiedDomains',
  'redirect-uri-dangling': 'needs DNS answers (scan --dns)',
  'dns-checked': 'needs DNS answers (scan --dns)',
  'dns-not-checked': 'needs DNS answers (scan --dns)',
  'generic-app-name': 'application names are compared after folding confusable characters (enrich/app-names.ts)',
  'lookalike-app-name': 'look-alikes are found by folding confusable characters and edit distance (enrich/app-names.ts)',
  'new-credential-type': "needs appwatch's learned baseline of the tenant's credential types",
  'in-change-window': 'change windows apply to configuration changes as enrich/context.ts decides them',
  'outside-change-window': 'change windows apply to configuration changes as enrich/context.ts decides them',
  'approved-actor': 'approved actors apply to configuration changes as enrich/context.ts decides them',
  'unapproved-actor': 'approved actors apply to configuration changes as enrich/context.ts decides them',
  'high-profile-actor': "needs every identity of whoever acted (enrich/context.ts actorIds)",
  'credential-lifetime-exceeds-policy': 'needs the tenant inventory snapshot (scan --snapshot)',
  'saml-signing-certificate': 'needs the tenant inventory snapshot (scan --snapshot)',
  'app-holds-critical-permission': 'needs the tenant inventory snapshot (scan --snapshot)',
  'privileged-actor': 'needs the tenant inventory snapshot (scan --snapshot)',
  'privileged-consent': 'needs the tenant inventory snapshot (scan --snapshot)',
  'target-already-privileged': 'needs the tenant inventory snapshot (scan --snapshot)',
  'sso-mode-unknown': 'needs the tenant inventory snapshot (scan --snapshot)',
};

const COMPUTED = ['permission-critical', 'permission-high', 'all-users', 'sensitive-api', 'privileged-role', 'first-credential',
  'password-credential-added', 'certificate-credential-added', 'other-credential-added', 'app-initiated', 'logout-url-blank',
  'microsoft-first-party', 'outside-business-hours', 'known-vault-caller', 'new-vault-caller'];

export function flagNames(): string[] {
  return [...COMPUTED, ...Object.keys(UNSUPPORTED)];
}

/** How far back "never seen before" looks, and the window whose callers are judged. */
export const LOOKBACK = { periodMs: 14 * 86_400_000, recentMs: 3_600_000 };

function businessHours(scope: Scope): Bool {
  const hours = scope.build.options.context?.businessHours;
  if (!hours) {
    scope.build.inform('outside-business-hours: no context.businessHours in the configuration (--config), so, as in a scan, the flag is never set');
    return FALSE;
  }
  const location = computed(scope, '_aw_outsideHours', 'bool', (root) => {
    const minutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
    const days = (hours.days ?? ['mon', 'tue', 'wed', 'thu', 'fri']).map((d) => `${DAYS.indexOf(d.toLowerCase())}d`);
    const holidays = (hours.holidays ?? []).map((h) => `datetime(${h})`);
    const minute = 'hourofday(_aw_local) * 60 + datetime_part("minute", _aw_local)';
    const inside = [`dayofweek(_aw_local) in (${days.join(', ')})`, `${minute} >= ${minutes(hours.start ?? '08:00')}`, `${minute} < ${minutes(hours.end ?? '18:00')}`,
      ...(holidays.length > 0 ? [`not(startofday(_aw_local) in (${holidays.join(', ')}))`] : [])];
    root.steps.push(`extend _aw_local = datetime_utc_to_local(TimeGenerated, ${kqlString(hours.timeZone ?? 'UTC')}) | extend _aw_outsideHours = not(${inside.join(' and ')})`);
  });
  scope.build.inform(`outside-business-hours: business hours from the configuration (${hours.timeZone ?? 'UTC'}), judged on TimeGenerated`);
  return location.k === 'node' ? atom(`${location.expr} == true`, true, location.deps ?? []) : FALSE;
}

/** known-vault-caller / new-vault-caller: whether the caller used the vault in the lookback before the recent window. */
function vaultCaller(scope: Scope, known: boolean): Bool {
  if (scope.table.kind !== 'keyvault') return FALSE;
  const location = computed(scope, '_aw_knownCaller', 'bool', (root) => {
    const ip = scope.table.name === 'AzureDiagnostics' ? 'CallerIPAddress' : 'CallerIpAddress';
    // The scan engine's caller key: object id, else appId, else UPN, else the caller's IP address.
    const caller = `tolower(coalesce(${(['objectId', 'appId', 'upn'] as const).map((p) => claimExpr(scope.table, p)).join(', ')}, ${ip}))`;
    const filter = scope.table.filter ? ` | where ${scope.table.filter}` : '';
    const history = scope.build.define('_aw_vaultCallers', `let _aw_vaultCallers = ${scope.table.name}${filter} | where TimeGenerated between (ago(${kqlTimespan(LOOKBACK.periodMs)}) .. ago(${kqlTimespan(LOOKBACK.recentMs)})) | extend _aw_kvVault = tolower(_ResourceId), _aw_kvCaller = ${caller} | where isnotempty(_aw_kvVault) and isnotempty(_aw_kvCaller) | distinct _aw_kvVault, _aw_kvCaller | extend _aw_kvKnown = true;`);
    root.steps.push(`extend _aw_kvVault = tolower(_ResourceId), _aw_kvCaller = ${caller} | join kind=leftouter ${history} on _aw_kvVault, _aw_kvCaller | extend _aw_knownCaller = iff(isnotempty(_aw_kvVault) and isnotempty(_aw_kvCaller), coalesce(_aw_kvKnown, false), bool(null)) | project-away _aw_kvVault1, _aw_kvCaller1, _aw_kvKnown`);
    scope.build.lookback = { periodMs: LOOKBACK.periodMs, recentMs: LOOKBACK.recentMs };
  });
  scope.build.note(`${known ? 'known' : 'new'}-vault-caller: "seen before" means seen on the vault in the ${kqlTimespan(LOOKBACK.periodMs)} before the last ${kqlTimespan(LOOKBACK.recentMs)} (the query looks at the last ${kqlTimespan(LOOKBACK.recentMs)}); appwatch learns callers from the scanned history and --baseline and flags nothing while learning`);
  if (location.k !== 'node') return FALSE;
  return atom(known ? `${location.expr} == true` : `${location.expr} == false`, true, location.deps ?? []);
}

let firstParty: string[] | undefined;

function microsoftFirstParty(scope: Scope): Bool {
  if (scope.table.kind !== 'audit' && scope.table.kind !== 'signin') return FALSE;
  firstParty ??= (JSON.parse(readFileSync(new URL('../../../../catalogues/entra/first-party-apps.json', import.meta.url), 'utf8')) as { apps: { appId: string }[] }).apps.map((a) => a.appId.toLowerCase());
  const list = scope.build.define('_aw_FirstPartyApps', `let _aw_FirstPartyApps = dynamic([${firstParty.map(kqlString).join(',')}]);`);
  const app = appIdColumn(scope);
  return app.k === 'node' ? atom(`${app.expr} in (${list})`, false, app.deps ?? []) : FALSE;
}

/** A flag as a predicate; for a flag appwatch sets only on other kinds of events, false. */
export function enrichmentFlag(scope: Scope, name: string): Bool | { unsupported: string } {
  if (UNSUPPORTED[name]) return { unsupported: UNSUPPORTED[name]! };
  switch (name) {
    case 'outside-business-hours': return businessHours(scope);
    case 'known-vault-caller': return vaultCaller(scope, true);
    case 'new-vault-caller': return vaultCaller(scope, false);
    case 'microsoft-first-party': return microsoftFirstParty(scope);
    case 'privileged-role':
      if (scope.table.kind === 'activity') {
        const location = azurePrivileged(scope);
        return location.k === 'node' ? atom(`${location.expr} == true`, true, location.deps ?? []) : FALSE;
      }
      break;
  }
  if (scope.table.kind !== 'audit') return FALSE;
  return auditFlag(scope, name) ?? FALSE;
}
