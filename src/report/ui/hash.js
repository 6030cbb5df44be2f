// @ts-check
/**
 * Deep links: #alert/<id>, #finding/<id>, #app/<appId> name the item whose detail is open.
 */

/** @typedef {'alert' | 'finding' | 'app'} ItemKind */
/** @typedef {{ kind: ItemKind, id: string }} Selection */

const PATTERN = /^#(alert|finding|app)\/(.+)$/;

/**
 * @param {string} hash
 * @returns {Selection | null}
 */
export function parseHash(hash) {
  const m = PATTERN.exec(hash);
  if (!m || !m[2]) return null;
  try {
    return { kind: /** @type {ItemKind} */ (m[1]), id: decodeURIComponent(m[2]) };
  } catch {
    return null;
  }
}

/** @param {Selection} selection */
export const formatHash = (selection) => `#${selection.kind}/${encodeURIComponent(selection.id)}`;
