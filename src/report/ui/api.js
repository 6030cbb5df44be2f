// @ts-check
/**
 * The dashboard's calls to its server (src/serve/api.ts): same-origin fetch with the session cookie; every change
 * is JSON with the session's CSRF token in a header. Errors carry the server's reason, shown as text.
 *
 * Sessions end after a while without activity (src/serve/session.ts). A request made when the person has not
 * touched the page for a minute (the timed refresh, and what it fetches again) says so in a header, so a tab left
 * open does not keep its session alive. A 401 means the session is over: the handler set with `onSignedOut` hears.
 */

export const CSRF_HEADER = 'X-CSRF-Token';
export const BACKGROUND_HEADER = 'X-Appwatch-Background';

/** Input within this long before a request makes it the person's. */
const ACTIVE_MS = 60_000;
let lastInput = Date.now();
if (typeof document !== 'undefined') {
  for (const type of ['pointerdown', 'keydown', 'wheel']) document.addEventListener(type, () => { lastInput = Date.now(); }, { capture: true, passive: true });
}
/** @returns {Record<string, string>} */
const activity = () => (Date.now() - lastInput > ACTIVE_MS ? { [BACKGROUND_HEADER]: '1' } : {});

export class ApiError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** @type {(why: { message: string, expired: boolean }) => void} */
let signedOut = () => {};
/** @param {(why: { message: string, expired: boolean }) => void} handler */
export function onSignedOut(handler) {
  signedOut = handler;
}

/**
 * @param {Response} response
 * @returns {Promise<any>}
 */
async function json(response) {
  const text = await response.text();
  let value;
  try {
    value = text ? JSON.parse(text) : {};
  } catch {
    value = { error: text.trim() || response.statusText };
  }
  const message = typeof value?.error === 'string' ? value.error : `HTTP ${response.status}`;
  if (response.status === 401) signedOut({ message, expired: value?.session === 'expired' });
  if (!response.ok && !(response.status === 404 && value && Array.isArray(value.unknown))) throw new ApiError(message, response.status);
  return value;
}

/**
 * @param {string} path
 * @returns {Promise<any>}
 */
export async function getJson(path) {
  return json(await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json', ...activity() } }));
}

/**
 * A change: JSON with the CSRF token (POST, or DELETE with an empty object).
 * @param {string} path
 * @param {unknown} body
 * @param {string} csrf
 * @param {'POST' | 'DELETE'} [method]
 * @returns {Promise<any>}
 */
export async function postJson(path, body, csrf, method = 'POST') {
  return json(await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', [CSRF_HEADER]: csrf },
    body: JSON.stringify(body),
  }));
}
