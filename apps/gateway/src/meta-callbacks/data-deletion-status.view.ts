import { DeletionRequestEntity } from '@app/persistence';
import { createHash } from 'node:crypto';

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function day(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}.status{font-size:1.15rem;font-weight:600}.pending{color:#8a5a00}.done{color:#1a7f37}.failed{color:#b42318}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}footer{margin-top:2rem;color:#57606a;font-size:.9rem}`;

/** The page's one inline stylesheet, allowed by hash in its CSP (nothing else inline runs). */
export const DATA_DELETION_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/** The status page of a Meta data-deletion request, in plain words. No scripts, no cookies. */
export function renderDataDeletionStatus(
  request: DeletionRequestEntity,
  operator: { name: string; contact: string },
): string {
  let status: string;
  let words: string;
  switch (request.status) {
    case 'pending':
      status = 'In progress';
      words = `We received this request on ${day(request.createdAt)} and are deleting the data now. It will be finished by ${day(request.dueAt)} at the latest.`;
      break;
    case 'done':
      status = 'Completed';
      words = `Completed on ${day(request.completedAt ?? request.updatedAt)}. ${request.detail ?? ''}`;
      break;
    default:
      status = 'Could not be completed';
      words = `${request.detail ?? 'The deletion could not be completed.'} Please contact ${operator.contact}.`;
      break;
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Data deletion request ${escapeHtml(request.confirmationCode)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Data deletion request</h1>
<p>Confirmation code: <code>${escapeHtml(request.confirmationCode)}</code></p>
<p class="status ${escapeHtml(request.status)}">Status: ${escapeHtml(status)}</p>
<p>${escapeHtml(words)}</p>
<p>What is deleted: the Instagram accounts connected to LiveChat by this Facebook account, their access tokens, and every conversation mapping and message link stored for them. We never store message text. Chats already in LiveChat belong to the LiveChat account that received them and are not deleted by this request.</p>
</main>
<footer>${escapeHtml(operator.name)} · ${escapeHtml(operator.contact)}</footer>
</body>
</html>
`;
}

export function renderUnknownRequest(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Unknown request</title><style>${STYLE}</style></head>
<body><main><h1>Unknown data deletion request</h1><p>No data deletion request has this confirmation code. Check the link you received.</p></main></body>
</html>
`;
}
