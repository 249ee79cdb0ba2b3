/**
 * The dashboard's one HTML page. It holds no script or style of its own (the Content-Security-Policy
 * allows only files from this origin), just the bundle's two files and the element it renders into.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The page, with its assets addressed from the path it was requested at (`/jobs-admin/` or
 * `/jobs-admin`, behind any global prefix): `<that path>/assets/app.js`.
 */
export function dashboardPage(requestPath: string): string {
  const path = requestPath.split(/[?#]/, 1)[0] ?? '/';
  const base = escapeAttribute(path.endsWith('/') ? path : `${path}/`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Jobs admin</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${base}assets/app.css" />
    <script type="module" src="${base}assets/app.js"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The jobs dashboard needs JavaScript.</noscript>
  </body>
</html>
`;
}

/** Shown instead of the page when the bundle is missing (a git clone before `npm run build:dashboard`). */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>Jobs admin</title></head>
<body><p>The dashboard's files are not built: run <code>npm run build:dashboard</code> in the library's folder. The JSON API under <code>api/</code> works without them.</p></body></html>
`;
