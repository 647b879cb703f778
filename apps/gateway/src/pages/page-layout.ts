import { FastifyReply } from 'fastify';
import { SETTINGS_BUNDLE } from '../settings/settings-bundle.generated';
import { html, SafeHtml } from './html.util';

export const PRODUCT_NAME = 'Instagram Messaging for LiveChat';

/** Where the browser code and the stylesheet are served (versioned: cached for a year). */
export const ASSET_PATHS = {
  js: `/app/app.js?v=${SETTINGS_BUNDLE.version}`,
  css: `/app/app.css?v=${SETTINGS_BUNDLE.version}`,
} as const;

export interface DocumentInput {
  title: string;
  body: SafeHtml;
  /** Load the browser bundle (the settings page, and result pages that talk to their opener). */
  script?: boolean;
  /** `data-*` attributes of <body>: configuration for the browser code (never secrets). */
  data?: Record<string, string>;
  /** `<meta name content>` elements of <head> (values the browser code reads). */
  meta?: Record<string, string>;
}

/** A complete page: our stylesheet, no inline script or style (the CSP forbids both). */
export function renderDocument(input: DocumentInput): SafeHtml {
  const data = Object.entries(input.data ?? {}).map(
    ([key, value]) => html` data-${key.replace(/[^a-z0-9-]/g, '')}="${value}"`,
  );
  const meta = Object.entries(input.meta ?? {}).map(
    // prettier-ignore
    ([name, content]) => html`<meta name="${name}" content="${content}">\n`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${input.title} · ${PRODUCT_NAME}</title>
<link rel="stylesheet" href="${ASSET_PATHS.css}">
${meta}${input.script ? html`<script src="${ASSET_PATHS.js}" defer></script>` : ''}
</head>
<body${data}>
<header class="topbar"><span class="brand">${PRODUCT_NAME}</span></header>
<main id="main" class="container">
${input.body}
</main>
<footer class="footer"><a href="/privacy">Privacy policy</a></footer>
</body>
</html>`;
}

/** A one-message page: a heading, paragraphs, and links or buttons to go on. */
export function renderMessagePage(input: {
  title: string;
  tone: 'success' | 'error' | 'info';
  paragraphs: Array<string | SafeHtml>;
  actions?: SafeHtml;
  view?: string;
  data?: Record<string, string>;
}): SafeHtml {
  const role = input.tone === 'error' ? 'alert' : 'status';
  return renderDocument({
    title: input.title,
    script: input.view !== undefined,
    data: { ...(input.view ? { view: input.view } : {}), ...(input.data ?? {}) },
    body: html`<section class="card notice notice-${input.tone}" role="${role}">
      <h1>${input.title}</h1>
      ${input.paragraphs.map((p) => html`<p>${p}</p>`)}
      ${input.actions ? html`<p class="actions">${input.actions}</p>` : ''}
    </section>`,
  });
}

export interface PageSecurity {
  /** CSP frame-ancestors; default: nobody may frame the page. */
  frameAncestors?: readonly string[];
  /** Extra image sources (avatars come from Meta's CDN). */
  imgSrc?: readonly string[];
  /** CSP hashes (`'sha256-…'`) of inline stylesheets the page carries. */
  styleHashes?: readonly string[];
}

/** CSP for our pages: our own script and stylesheet only, nothing inline, no plugins. */
export function contentSecurityPolicy(security: PageSecurity = {}): string {
  const frameAncestors = security.frameAncestors?.length
    ? security.frameAncestors.join(' ')
    : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    ["style-src 'self'", ...(security.styleHashes ?? [])].join(' '),
    ["img-src 'self' data:", ...(security.imgSrc ?? [])].join(' '),
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

/** Sends a page with the security headers every page of ours carries. No cookies, ever. */
export function sendPage(
  reply: FastifyReply,
  status: number,
  page: SafeHtml,
  security: PageSecurity = {},
): void {
  void reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', contentSecurityPolicy(security))
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store');
  if (!security.frameAncestors?.length) {
    void reply.header('x-frame-options', 'DENY');
  }
  void reply.send(page.value);
}

/**
 * Image sources of pages that show Instagram avatars: Meta's CDNs are https; a non-https Graph
 * URL (the local emulator in tests) is allowed too.
 */
export function avatarImageSources(graphUrl: string): string[] {
  const sources = ['https:'];
  try {
    const url = new URL(graphUrl);
    if (url.protocol !== 'https:') {
      sources.push(url.origin);
    }
  } catch {
    // GatewayEnv validated it already.
  }
  return sources;
}
