/**
 * @module model/event
 * The canonical event: one shape for every log record appwatch reads.
 *
 * Microsoft's own fields sit at the top level, named as Microsoft Graph beta names them (Entra audit and
 * sign-in events) or as the diagnostic record names them (Key Vault and Azure Activity events). Everything
 * appwatch adds lives under the single reserved key `appwatch`, so a Microsoft field can never collide with ours.
 */

/** What a record is. `event` is plain JSON read as it is (`--input-format json`). */
export const EVENT_KINDS = ['audit', 'signin', 'keyvault', 'activity', 'event'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The four sign-in event types of Graph beta `signInEventTypes`. */
export const SIGNIN_TYPES = ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity'] as const;
export type SignInType = (typeof SIGNIN_TYPES)[number];

/** Where the record came from; `line` is 1-based, `index` 0-based inside one JSON document's array. */
export interface Origin {
  source: 'file' | 'stdin' | 'graph' | 'kafka';
  /** The input format that read it (one of the `--input-format` names, never `auto`). */
  format: InputFormatName;
  file?: string;
  line?: number;
  index?: number;
  /** Byte offset of the record's first byte in the (decompressed) input. */
  offset?: number;
}

export const INPUT_FORMATS = ['graph', 'diagnostic', 'log-analytics', 'portal-csv', 'portal-json', 'json'] as const;
export type InputFormatName = (typeof INPUT_FORMATS)[number];

/** Everything appwatch adds to an event. */
export interface AppwatchMeta {
  kind: EventKind;
  /** Event time as ISO-8601 UTC with milliseconds; the original time fields stay untouched. */
  time: string;
  origin: Origin;
  /** Input fields with no Graph (or diagnostic-record) counterpart, under their original names. */
  extra?: Record<string, unknown>;
  /** Set when the kind or sign-in type could not be decided from the record and was inferred. */
  guessed?: string;
  /** Key Vault callers, whichever of the two identity-claim styles the record used. */
  caller?: KeyVaultCaller;
  /** Later stages (enrichment) add their keys here. */
  [key: string]: unknown;
}

export interface KeyVaultCaller {
  objectId?: string;
  appId?: string;
  upn?: string;
  /** `idtyp` claim: `user` or `app`. */
  type?: string;
}

/** A canonical event: Microsoft's fields plus the reserved `appwatch` key. */
export interface CanonicalEvent {
  [field: string]: unknown;
  appwatch: AppwatchMeta;
}

/** The reserved key; an input field of this name is kept under `appwatch.extra`. */
export const RESERVED_KEY = 'appwatch';
