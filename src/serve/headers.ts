/**
 * @module serve/headers
 * Response headers on everything the dashboard sends. The CSP is the report's, served as a header, with 'self'
 * in place of hashes (the code is a file the server sends, not inlined): nothing runs or loads but the dashboard's
 * own script and style, fetch only to itself, no framing, no forms, and Trusted Types with no policy so any
 * string-to-HTML sink throws. No CORS header is ever sent: other origins can neither read nor preflight.
 */
import { secureHeaders } from 'hono/secure-headers';
import type { MiddlewareHandler } from 'hono';

export const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ['data:'],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ["'none'"],
};

export function dashboardHeaders(): MiddlewareHandler {
  const secure = secureHeaders({
    contentSecurityPolicy: CSP_DIRECTIVES,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
    // Plain http on loopback: HSTS would mean nothing here, and could pin the name to https elsewhere.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    await secure(c, next);
    // Alerts name people and apps: nothing is cached, in the browser or on the way.
    if (!c.res.headers.has('cache-control')) c.header('Cache-Control', 'no-store');
  };
}
