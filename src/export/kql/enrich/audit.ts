/**
 * @module export/kql/enrich/audit
 * appwatch's derived fields of Entra audit events, in KQL: the modified properties by name (decoded), the
 * permissions a grant added with their class and resource API (enrich/permissions.ts), the role of a role
 * assignment and Microsoft's privileged label (enrich/roles.ts), the credentials a KeyDescription change added
 * (enrich/credentials.ts), and the application an event is about (enrich/index.ts appIdOf).
 */
import { readFileSync } from 'node:fs';
import { kqlString } from '../escape.js';
import type { Location } from '../fields.js';
import { atom, FALSE, type Bool } from '../expr.js';
import type { Scope } from '../scope.js';
import { classificationData, className, computed, decode, GUID_SOURCE, rankOf, step, text, words } from './helpers.js';

const ROLE_ACTIVITIES = ['Add member to role', 'Add eligible member to role', 'Add scoped member to role'];

/** `_aw_new["name"]`, `_aw_old[…]`: every modified property of every target by lower-case name; `_aw_names` which exist. */
function properties(scope: Scope): void {
  step(scope, 'properties', () => {
    const name = 'tolower(tostring(_aw_p.displayName))';
    const grantTarget = 'isnotnull(_aw_tk["approle.value"]) or isnotnull(_aw_tk["delegatedpermissiongrant.scope"])';
    return `mv-apply _aw_t = TargetResources on (mv-apply _aw_p = _aw_t.modifiedProperties on (summarize _aw_tn = make_bag(bag_pack(${name}, _aw_p.newValue)), _aw_to = make_bag(bag_pack(${name}, _aw_p.oldValue)), _aw_tk = make_bag(bag_pack(${name}, true)))`
      + ` | summarize _aw_new = make_bag(_aw_tn), _aw_old = make_bag(_aw_to), _aw_names = make_bag(_aw_tk), _aw_grantTarget = take_anyif(_aw_t, ${grantTarget}), _aw_grantNames = take_anyif(_aw_tn["targetid.serviceprincipalnames"], ${grantTarget}), _aw_consentTarget = take_anyif(_aw_t, isnotnull(_aw_tk["consentaction.permissions"])))`;
  });
}

/** The decoded text of a modified property's new (or old) value. */
function prop(scope: Scope, name: string, side: 'new' | 'old' = 'new'): string {
  properties(scope);
  return `${text(scope.build)}(_aw_${side}[${kqlString(name.toLowerCase())}])`;
}

/** `_aw_grant`: application, delegated, consent (a Consent to application with its permissions text), or empty. */
function grant(scope: Scope): void {
  properties(scope);
  step(scope, 'grant', () => `extend _aw_grant = case(OperationName =~ "Add app role assignment to service principal", "application", OperationName =~ "Add delegated permission grant", "delegated", OperationName =~ "Consent to application" and isnotempty(${prop(scope, 'ConsentAction.Permissions')}), "consent", "")`);
}

/** The two sides of ConsentAction.Permissions (`[old grants] => [new grants]`). */
function consentSides(scope: Scope): void {
  grant(scope);
  step(scope, 'consentSides', () => `extend _aw_ct = iff(_aw_grant == "consent", ${prop(scope, 'ConsentAction.Permissions')}, "") | extend _aw_ca = indexof(_aw_ct, "=>") | extend _aw_consentBefore = iff(_aw_ca >= 0, substring(_aw_ct, 0, _aw_ca), ""), _aw_consentAfter = iff(_aw_ca >= 0, substring(_aw_ct, _aw_ca + 2), _aw_ct) | project-away _aw_ct, _aw_ca`);
}

function added(scope: Scope): void {
  consentSides(scope);
  step(scope, 'added', () => {
    const w = words(scope.build);
    const scopes = (side: string): string => `${w}(strcat_array(extract_all(${kqlString('Scope:\\s*([^,\\]]*)')}, ${side}), " "))`;
    return `extend _aw_permAdded = case(_aw_grant == "application", iff(isnotempty(${prop(scope, 'AppRole.Value')}), pack_array(${prop(scope, 'AppRole.Value')}), dynamic([])), `
      + `_aw_grant == "delegated", set_difference(${w}(${prop(scope, 'DelegatedPermissionGrant.Scope')}), ${w}(${prop(scope, 'DelegatedPermissionGrant.Scope', 'old')})), `
      + `_aw_grant == "consent", set_difference(${scopes('_aw_consentAfter')}, ${scopes('_aw_consentBefore')}), dynamic(null))`;
  });
}

function ranks(scope: Scope): void {
  added(scope);
  step(scope, 'ranks', () => {
    const rank = rankOf(scope.build);
    const name = className(scope.build);
    return `mv-apply _aw_perm = _aw_permAdded to typeof(string) on (summarize _aw_permRank = max(${rank}(_aw_perm)), _aw_permClasses = make_list(${name}(${rank}(_aw_perm))))`
      + ` | extend _aw_permHighest = iff(_aw_grant == "", "", iff(isnull(_aw_permRank), "none", ${name}(_aw_permRank)))`;
  });
}

function resource(scope: Scope): void {
  grant(scope);
  step(scope, 'resource', () => {
    const data = classificationData();
    const sensitiveIds = data.sensitiveResources.map((r) => r.appId).join('|');
    const names = data.sensitiveResources.map((r) => kqlString(r.name)).join(', ');
    const part = (inner: string): string => kqlString(`(?i)(?:^|;)\\s*(${inner})\\s*(?:;|$)`);
    return `extend _aw_resSpns = ${text(scope.build)}(_aw_grantNames), _aw_resName = tostring(_aw_grantTarget.displayName)`
      + ` | extend _aw_resAppId = iff(_aw_grant in ("application", "delegated"), coalesce(extract(${part(sensitiveIds)}, 1, _aw_resSpns), extract(${part(GUID_SOURCE)}, 1, _aw_resSpns)), "")`
      + ` | extend _aw_resSensitive = case(_aw_grant in ("application", "delegated"), _aw_resSpns matches regex ${part(sensitiveIds)} or _aw_resName in~ (${names}), _aw_grant == "consent", false, bool(null))`;
  });
}

function consentType(scope: Scope): void {
  consentSides(scope);
  step(scope, 'consentType', () => `extend _aw_consentType = case(_aw_grant == "delegated", ${prop(scope, 'DelegatedPermissionGrant.ConsentType')}, _aw_grant == "consent", trim(" ", extract(${kqlString('ConsentType:\\s*([^,\\]]*)')}, 1, _aw_consentAfter)), "")`
    + ' | extend _aw_allPrincipals = iff(isnotempty(_aw_consentType), _aw_consentType =~ "AllPrincipals", bool(null))');
}

function appId(scope: Scope): void {
  grant(scope);
  step(scope, 'appId', () => {
    const guid = (value: string): string => `extract(${kqlString(`(?i)${GUID_SOURCE}`)}, 0, ${value})`;
    return `mv-apply _aw_d = AdditionalDetails on (summarize _aw_detailAppId = take_anyif(tostring(_aw_d.value), tostring(_aw_d.key) =~ "AppId"))`
      + ` | extend _aw_appIdOf = tolower(iff(_aw_detailAppId matches regex ${kqlString(`(?i)${GUID_SOURCE}`)}, _aw_detailAppId, coalesce(${guid(prop(scope, 'Application.AppId'))}, ${guid(prop(scope, 'AppId'))}, ${guid(prop(scope, 'TargetId.ServicePrincipalNames'))})))`
      + ` | extend _aw_appId = iff(_aw_grant in ("application", "delegated"), tolower(${prop(scope, 'ServicePrincipal.AppId')}), _aw_appIdOf)`;
  });
}

function client(scope: Scope): void {
  appId(scope);
  step(scope, 'client', () => `extend _aw_clientSp = case(_aw_grant in ("application", "delegated"), ${prop(scope, 'ServicePrincipal.ObjectID')}, _aw_grant == "consent" and tostring(_aw_consentTarget.id) matches regex ${kqlString(`^${GUID_SOURCE}$`)}, tostring(_aw_consentTarget.id), ""), _aw_clientApp = case(_aw_grant in ("application", "delegated"), ${prop(scope, 'ServicePrincipal.AppId')}, _aw_grant == "consent", _aw_appId, "")`);
}

interface Role {
  displayName: string;
  templateId: string;
  privileged: boolean;
}

let privilegedRoles: Role[] | undefined;

function role(scope: Scope): void {
  properties(scope);
  step(scope, 'role', () => {
    privilegedRoles ??= (JSON.parse(readFileSync(new URL('../../../../catalogues/entra/roles.json', import.meta.url), 'utf8')) as { roles: Role[] }).roles.filter((r) => r.privileged);
    const activity = `OperationName in~ (${ROLE_ACTIVITIES.map(kqlString).join(', ')})`;
    return `extend _aw_roleTemplate = iff(${activity}, ${prop(scope, 'Role.TemplateId')}, ""), _aw_roleName = iff(${activity}, coalesce(${prop(scope, 'Role.DisplayName')}, ${prop(scope, 'Role.WellKnownObjectName')}), "")`
      + ` | extend _aw_rolePrivileged = iff(isnotempty(_aw_roleTemplate) or isnotempty(_aw_roleName), _aw_roleTemplate in~ (${privilegedRoles.map((r) => kqlString(r.templateId)).join(', ')}) or _aw_roleName in~ (${privilegedRoles.map((r) => kqlString(r.displayName)).join(', ')}), bool(null))`;
  });
}

function credentials(scope: Scope): void {
  properties(scope);
  step(scope, 'credentials', () => {
    const d = decode(scope.build);
    const ids = (side: string): string => `coalesce(extract_all(${kqlString('KeyIdentifier=([^,\\]]*)')}, tostring(${side})), dynamic([]))`;
    const type = `extract(${kqlString('KeyType=([^,\\]]*)')}, 1, _aw_kd)`;
    return `extend _aw_kdNew = ${d}(_aw_new["keydescription"]), _aw_kdOld = ${d}(_aw_old["keydescription"])`
      + ` | extend _aw_credPresent = isnotnull(_aw_names["keydescription"]), _aw_kdOldIds = ${ids('_aw_kdOld')}`
      + ` | extend _aw_credAdded = set_difference(${ids('_aw_kdNew')}, _aw_kdOldIds)`
      + ` | extend _aw_credAddedCount = iff(_aw_credPresent, array_length(_aw_credAdded), long(null)), _aw_credFirst = iff(_aw_credPresent, iff(gettype(_aw_kdOld) == "array", array_length(_aw_kdOld), iff(isnotempty(tostring(_aw_kdOld)), 1, 0)) == 0 and array_length(_aw_credAdded) > 0, bool(null))`
      + ` | mv-apply _aw_kd = iff(gettype(_aw_kdNew) == "array", _aw_kdNew, pack_array(_aw_kdNew)) to typeof(string) on (where isnotempty(_aw_kd) and not(extract(${kqlString('KeyIdentifier=([^,\\]]*)')}, 1, _aw_kd) in (_aw_kdOldIds))`
      + ` | summarize _aw_credTypes = make_set(case(${type} matches regex "(?i)cert|asymmetric|x509", "certificate", ${type} matches regex "(?i)password|symmetric", "password", "other")))`;
  });
  scope.build.note('credentials: a credential is told apart by its KeyIdentifier; an entry without one is not counted as added');
}

/** A derived audit field, or undefined when it is not one appwatch computes for audit events. */
export function auditField(scope: Scope, path: string): Location | { unsupported: string } | undefined {
  switch (path) {
    case 'appid': return computed(scope, '_aw_appId', 'string', appId);
    case 'permissions.kind': return computed(scope, '_aw_permKind', 'string', (s) => { grant(s); s.steps.push('extend _aw_permKind = case(_aw_grant == "application", "application", _aw_grant in ("delegated", "consent"), "delegated", "")'); });
    case 'permissions.added': case 'permissions.added.value': return computed(scope, '_aw_permAdded', 'dynamic', added, true);
    case 'permissions.added.class': return computed(scope, '_aw_permClasses', 'dynamic', ranks, true);
    case 'permissions.highest': return computed(scope, '_aw_permHighest', 'string', ranks);
    case 'permissions.resource.sensitive': return computed(scope, '_aw_resSensitive', 'bool', resource);
    case 'permissions.resource.appid': return computed(scope, '_aw_resAppId', 'string', resource);
    case 'permissions.resource.displayname': return computed(scope, '_aw_resName', 'string', resource);
    case 'permissions.client.serviceprincipalid': return computed(scope, '_aw_clientSp', 'string', client);
    case 'permissions.client.appid': return computed(scope, '_aw_clientApp', 'string', client);
    case 'permissions.consenttype': return computed(scope, '_aw_consentType', 'string', consentType);
    case 'permissions.allprincipals': return computed(scope, '_aw_allPrincipals', 'bool', consentType);
    case 'role.privileged': return computed(scope, '_aw_rolePrivileged', 'bool', role);
    case 'role.templateid': return computed(scope, '_aw_roleTemplate', 'string', role);
    case 'role.displayname': return computed(scope, '_aw_roleName', 'string', role);
    case 'credentials.addedcount': return computed(scope, '_aw_credAddedCount', 'long', credentials);
    case 'credentials.first': return computed(scope, '_aw_credFirst', 'bool', credentials);
    case 'credentials.added.type': return computed(scope, '_aw_credTypes', 'dynamic', credentials, true);
    default:
      if (/^(permissions|role|credentials|uris|selfconsent)(\.|$)/.test(path)) return { unsupported: `appwatch.${path} is not computed in KQL (appwatch derives it in enrich/)` };
      return undefined;
  }
}

/** Flags computed from the audit fields above (enrich/index.ts flagsOf); undefined for other flags. */
export function auditFlag(scope: Scope, name: string): Bool | undefined {
  const test = (location: Location, make: (column: string) => string): Bool =>
    (location.k === 'node' ? atom(make(location.expr), true, location.deps ?? []) : FALSE);
  switch (name) {
    case 'permission-critical': return test(computed(scope, '_aw_permHighest', 'string', ranks), (c) => `${c} == "critical"`);
    case 'permission-high': return test(computed(scope, '_aw_permHighest', 'string', ranks), (c) => `${c} == "high"`);
    case 'all-users': return test(computed(scope, '_aw_allPrincipals', 'bool', consentType), (c) => `${c} == true`);
    case 'sensitive-api': return test(computed(scope, '_aw_resSensitive', 'bool', resource), (c) => `${c} == true`);
    case 'privileged-role': return test(computed(scope, '_aw_rolePrivileged', 'bool', role), (c) => `${c} == true`);
    case 'first-credential': return test(computed(scope, '_aw_credFirst', 'bool', credentials), (c) => `${c} == true`);
    case 'password-credential-added': case 'certificate-credential-added': case 'other-credential-added':
      return test(computed(scope, '_aw_credTypes', 'dynamic', credentials, true), (c) => `set_has_element(${c}, ${kqlString(name.split('-')[0]!)})`);
    case 'app-initiated': return atom('(isnotnull(InitiatedBy.app) and isnull(InitiatedBy.user))');
    case 'logout-url-blank':
      properties(scope);
      return atom(`(isnotnull(_aw_names["logouturl"]) and isempty(${prop(scope, 'LogoutUrl')}))`, false, ['_aw_names', '_aw_new']);
    default: return undefined;
  }
}
