/**
 * @module serve/page
 * The dashboard's HTML: a fixed shell with no data in it (everything comes from /api as JSON and is rendered as
 * text by the browser code), so nothing from the store is ever written into markup. The favicon is an empty data:
 * URL so the browser does not ask for one.
 */
export const DASHBOARD_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>appwatch dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
</head>
<body class="dashboard">
<div id="header"><p class="loading">Loading the alert store…</p></div>
<div id="tiles"></div>
<div id="charts"></div>
<noscript><p class="noscript">The dashboard needs JavaScript.</p></noscript>
<div id="app"></div>
</body>
</html>
`;

/** What someone without a session sees: how to get one (no data, no script). */
export const SIGN_IN_TEXT = 'This appwatch dashboard needs the address `appwatch serve` printed on its standard error (with ?token=…). Open that address once; the browser then keeps a session cookie until the session expires or the server stops.\n';

/** What someone whose session ended sees instead of the page. */
export const expiredText = (why: string): string => `Session expired: ${why}. Open the link printed by appwatch serve again (the address with ?token=… on its standard error).\n`;
