import { html, SafeHtml } from '../pages/html.util';
import { renderMessagePage } from '../pages/page-layout';
import { InstallOutcome, REQUIRED_LIVECHAT_SCOPE } from './install.service';

export interface InstallPage {
  status: number;
  page: SafeHtml;
}

/** Why `/install` shows a page instead of going on: its own request, or LiveChat's answer. */
export type InstallRefusal =
  { kind: 'bad-request' } | { kind: 'cancelled' } | Exclude<InstallOutcome, { kind: 'installed' }>;

export function renderInstallRefusal(refusal: InstallRefusal): InstallPage {
  switch (refusal.kind) {
    case 'bad-request':
      return installPage(400, 'This install link is not valid', [
        'A parameter was repeated or too long. Start the installation again.',
      ]);
    case 'cancelled':
      return installPage(200, 'Installation cancelled', [
        'LiveChat did not authorize the app, so nothing was installed.',
      ]);
    case 'bad-state':
      return installPage(
        400,
        refusal.reason === 'expired'
          ? 'This install link expired'
          : 'This install link is not valid',
        [
          refusal.reason === 'expired'
            ? 'An installation has to be finished within 10 minutes of starting it.'
            : 'The link was changed or did not come from this app. Nothing was installed.',
        ],
      );
    case 'not-admin':
      return installPage(403, 'An administrator must install this app', [
        // The markup stays as it was served.
        // prettier-ignore
        html`The app needs the <code>${REQUIRED_LIVECHAT_SCOPE}</code> permission to turn
            Instagram messages into LiveChat chats, and only a LiveChat administrator or owner can
            grant it.`,
        'Ask an administrator of your LiveChat organization to install the app from the Marketplace. Nothing was installed.',
      ]);
    case 'code-rejected':
      return installPage(400, 'LiveChat did not accept this installation', [
        'The authorization code is invalid, was already used, or expired. Start the installation again.',
      ]);
    case 'upstream-failed':
      return installPage(502, 'LiveChat did not answer', [
        'The installation could not be finished because LiveChat did not answer. Try again in a minute.',
      ]);
  }
}

function installPage(
  status: number,
  title: string,
  paragraphs: Array<string | SafeHtml>,
): InstallPage {
  return {
    status,
    page: renderMessagePage({
      title,
      tone: status < 300 ? 'info' : 'error',
      paragraphs,
      actions: html`<a class="button" href="/install">Start the installation again</a>`,
    }),
  };
}
