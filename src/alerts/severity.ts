/**
 * @module alerts/severity
 * An alert starts at its rule's level; context flags move it. A flag that makes the change more dangerous
 * raises it one step (once, however many such flags: the flags themselves say why); an approved actor
 * inside a change window lowers it one step. Every move is named in `context.severityReasons`.
 */
import { SEVERITIES, type Severity } from '../model/severity.js';

/** Flags that raise the severity, with the reason shown to the analyst. */
export const RAISING_FLAGS: Readonly<Record<string, string>> = {
  'permission-critical': 'the permission is a path to tenant takeover',
  'privileged-role': 'the role is privileged',
  'high-profile-actor': 'done by a high-profile account',
  'unapproved-actor': 'done by an actor not approved for changes',
  'outside-business-hours': 'outside business hours',
  'outside-change-window': 'outside every change window',
  'redirect-uri-not-https': 'a redirect URI is not HTTPS',
  'redirect-uri-wildcard': 'a redirect URI has a wildcard',
  'redirect-uri-unverified-domain': 'a redirect URI points outside the verified domains',
  'redirect-uri-dangling': 'a redirect URI points at a name anyone can claim',
  'lookalike-app-name': 'the application name imitates a Microsoft application',
  'generic-app-name': 'the application has a generic name',
  'new-credential-type': 'a credential type the tenant has not used before',
  'privileged-consent': 'a privileged account consented for itself',
  'credential-lifetime-exceeds-policy': "the credential outlives the tenant's lifetime policy",
  'app-holds-critical-permission': 'the application holds a critical permission: whoever holds the credential can take over the tenant',
};

/** Flags that make a change dangerous whatever else is true of it: they cancel the benign-by-nature lowering. */
const NEVER_BENIGN_FLAGS: ReadonlySet<string> = new Set(['app-holds-critical-permission']);

/** Benign by nature: one step down, whatever else is flagged. */
const LOWERING_FLAGS: Readonly<Record<string, string>> = {
  'microsoft-first-party': 'a Microsoft first-party application',
  'saml-signing-certificate': 'a signing certificate on a SAML application (the snapshot says SAML sign-on)',
};

/** `exempt`: flags the rule itself tests (they are why it matched; they do not raise it a second time). */
export function severityFor(level: Severity, flags: readonly string[], exempt: readonly string[] = []): { severity: Severity; reasons: string[] } {
  const reasons = [`rule level ${level}`];
  let rank = SEVERITIES.indexOf(level);
  // Microsoft's own applications doing their own provisioning, a SAML app's token-signing certificate: benign
  // by nature, one step down, first; but not on an app that holds a tenant-takeover permission (a credential on
  // a Microsoft service principal that holds one is the classic persistence).
  const benign = flags.find((f) => LOWERING_FLAGS[f] !== undefined);
  if (benign && rank > 0 && !flags.some((f) => NEVER_BENIGN_FLAGS.has(f))) {
    return { severity: SEVERITIES[rank - 1]!, reasons: [...reasons, `lowered: ${LOWERING_FLAGS[benign]}`] };
  }
  const raising = flags.filter((f) => RAISING_FLAGS[f] !== undefined && !exempt.includes(f));
  // Rules already at their guide level for a flag they test (a privileged-role rule is high) are not
  // raised again by it: only flags beyond the first raise, and by one step at most.
  if (raising.length > 0 && rank < SEVERITIES.length - 1 && !(raising.length === 1 && raising[0] === 'privileged-role')) {
    rank += 1;
    reasons.push(`raised: ${raising.filter((f) => f !== 'privileged-role').map((f) => RAISING_FLAGS[f]).join('; ')}`);
  } else if (flags.includes('approved-actor') && flags.includes('in-change-window') && rank > 0) {
    rank -= 1;
    reasons.push('lowered: an approved actor, inside a change window');
  }
  return { severity: SEVERITIES[rank]!, reasons };
}
