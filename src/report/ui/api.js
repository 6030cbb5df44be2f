// @ts-check
/**
 * The dashboard's calls to its server (src/serve/api.ts): same-origin fetch with the session cookie; every change
 * is JSON with the session's CSRF token in a header. Errors carry the server's reason, shown as text.
 */

export const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  /** @param {string} message @param {number} status */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
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
  if (!response.ok && !(response.status === 404 && value && Array.isArray(value.unknown))) {
    throw new ApiError(typeof value?.error === 'string' ? value.error : `HTTP ${response.status}`, response.status);
  }
  return value;
}

/**
 * @param {string} path
 * @returns {Promise<any>}
 */
export async function getJson(path) {
  return json(await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

/**
 * @param {string} path
 * @param {unknown} body
 * @param {string} csrf
 * @returns {Promise<any>}
 */
export async function postJson(path, body, csrf) {
  return json(await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', [CSRF_HEADER]: csrf },
    body: JSON.stringify(body),
  }));
}
