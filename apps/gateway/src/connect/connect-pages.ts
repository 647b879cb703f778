import { MESSAGING_NOT_ALLOWED_REASON, REQUIRED_FACEBOOK_SCOPES } from '@app/connections';
import { html, SafeHtml } from '../pages/html.util';
import { renderDocument, renderMessagePage } from '../pages/page-layout';
import { ChooserOption, ConnectResult } from './instagram-connect.service';

export interface RenderedPage {
  status: number;
  page: SafeHtml;
}

const BACK = html`<a class="button" id="back-to-settings" href="/app">Back to settings</a>`;
const TRY_AGAIN = html`<a class="button" id="back-to-settings" href="/app"
  >Back to settings to try again</a
>`;
const RECONNECT = html`<a class="button" id="back-to-settings" href="/app"
  >Reconnect from the settings</a
>`;

function handle(username: string | null): string {
  return username ? `@${username}` : 'This Instagram account';
}

function listOf(names: string[]): string {
  if (names.length <= 1) {
    return names[0] ?? '';
  }
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The page a connect attempt ends on, for every outcome. */
export function renderConnectResult(result: ConnectResult): RenderedPage {
  const { outcome } = result;
  const data = (kind: string) => ({ result: kind, popup: result.display === 'popup' ? '1' : '0' });
  const message = (
    status: number,
    title: string,
    paragraphs: Array<string | SafeHtml>,
    actions: SafeHtml = TRY_AGAIN,
  ): RenderedPage => ({
    status,
    page: renderMessagePage({
      title,
      tone: status < 300 ? (outcome.kind === 'connected' ? 'success' : 'info') : 'error',
      paragraphs,
      actions,
      view: 'connect-result',
      data: data(outcome.kind),
    }),
  });

  switch (outcome.kind) {
    case 'connected': {
      const { account } = outcome;
      return message(
        200,
        outcome.reconnected ? 'Instagram account reconnected' : 'Instagram account connected',
        [
          html`<strong id="connected-username">${handle(account.username)}</strong
            >${account.pageName ? html` (Facebook Page “${account.pageName}”)` : ''} is connected.`,
          'New Instagram Direct Messages now arrive in LiveChat as chats, and agents’ replies go back to Instagram.',
        ],
        BACK,
      );
    }
    case 'choose':
      return { status: 200, page: renderChooser(outcome.ref, outcome.options, result.display) };
    case 'cancelled':
      return message(200, 'Facebook login cancelled', [
        'You cancelled the Facebook login, so no Instagram account was connected.',
      ]);
    case 'login-failed':
      return message(400, 'Facebook login failed', [
        outcome.description
          ? html`Facebook said: “${outcome.description.slice(0, 300)}”.`
          : 'Facebook did not complete the login.',
        'Nothing was connected.',
      ]);
    case 'bad-state':
      return message(
        400,
        outcome.reason === 'expired'
          ? 'This connection request expired'
          : 'This connection link is not valid',
        [
          outcome.reason === 'expired'
            ? 'The Facebook login has to be finished within 10 minutes of clicking “Connect”.'
            : 'The link was changed or did not come from this app. Nothing was connected.',
          'Start again from the app settings.',
        ],
      );
    case 'state-used':
      return message(400, 'This connection link was already used', [
        'Each Facebook login can be used once. If the account is not listed in the settings, connect it again.',
      ]);
    case 'bad-request':
      return message(400, 'Something is missing', [outcome.message]);
    case 'not-installed':
      return message(403, 'The app is not installed', [
        'The LiveChat organization this connection was started from no longer has the app installed. Install it from the LiveChat Marketplace first.',
      ]);
    case 'login-expired':
      return message(
        400,
        'Your Facebook login expired',
        [
          'The Facebook login expired or was already used before the account could be connected. Nothing was changed.',
          'Reconnect to try again.',
        ],
        RECONNECT,
      );
    case 'missing-permissions':
      return message(403, 'Some permissions were not granted', [
        'The app needs every permission it asks for. These were not granted:',
        html`<ul class="missing-permissions">
          ${outcome.missing.map(
            (p) =>
              html`<li>
                <code>${p}</code
                >${REQUIRED_FACEBOOK_SCOPES[p] ? html` — to ${REQUIRED_FACEBOOK_SCOPES[p]}` : ''}
              </li>`,
          )}
        </ul>`,
        'Connect again and leave every permission switched on in the Facebook dialog.',
      ]);
    case 'no-pages':
      return message(422, 'No Facebook Page found', [
        'The Facebook login gave the app access to no Page. In the Facebook dialog, select the Facebook Page your Instagram account is linked to.',
        html`If the Page belongs to a Business Manager, also allow
          <code>business_management</code>.`,
      ]);
    case 'no-instagram':
      return message(422, 'No Instagram professional account on your Page', [
        html`${outcome.pageNames.length === 1 ? 'The Facebook Page' : 'The Facebook Pages'}
          <strong>${listOf(outcome.pageNames)}</strong>
          ${outcome.pageNames.length === 1 ? 'is' : 'are'} not linked to an Instagram professional
          account.`,
        'In the Instagram app, switch the account to a Business or Creator account, link it to your Facebook Page (Page settings › Linked accounts › Instagram), then connect again.',
      ]);
    case 'messaging-not-allowed':
      return message(422, 'Instagram does not allow access to messages', [
        html`${handle(outcome.username)} does not let apps read and answer its messages.`,
        MESSAGING_NOT_ALLOWED_REASON,
      ]);
    case 'taken':
      return message(409, 'Connected to another LiveChat organization', [
        html`${handle(outcome.username)} is already connected to another LiveChat organization with
        this app. An Instagram account can be connected to one organization at a time.`,
        'Disconnect it in the app settings of that organization first, then connect it here.',
      ]);
    case 'choice-expired':
      return message(410, 'This choice expired', [
        'The list of Pages is kept for 10 minutes. Start again from the app settings.',
      ]);
    case 'upstream-failed':
      return message(502, 'Facebook did not answer', [
        'The account could not be connected because Facebook did not answer as expected. Try again in a minute.',
      ]);
  }
}

function renderChooser(ref: string, options: ChooserOption[], display: string): SafeHtml {
  const firstAvailable = options.findIndex((o) => o.state !== 'taken');
  const items = options.map((option, index) => {
    const id = `page-${index}`;
    const disabled = option.state === 'taken';
    const note =
      option.state === 'taken'
        ? 'connected to another LiveChat organization'
        : option.state === 'connected-here'
          ? 'already connected here (choose it to refresh the connection)'
          : '';
    return html`<li class="choice">
      <input
        type="radio"
        name="page_id"
        id="${id}"
        value="${option.pageId}"
        ${index === firstAvailable ? html` checked` : ''}${disabled ? html` disabled` : ''}
      />
      <label for="${id}">
        ${option.avatarUrl ? html`<img class="avatar" src="${option.avatarUrl}" alt="" width="40" height="40" />` : html`<span class="avatar avatar-empty" aria-hidden="true"></span>`}
        <span class="choice-text"
          ><strong>${handle(option.username)}</strong
          >${option.name ? html` · ${option.name}` : ''}<br />
          <span class="muted"
            >Facebook Page: ${option.pageName}${note ? html` — ${note}` : ''}</span
          ></span
        >
      </label>
    </li>`;
  });
  return renderDocument({
    title: 'Choose the Instagram account',
    data: { view: 'connect-chooser', popup: display === 'popup' ? '1' : '0' },
    body: html`<section class="card">
      <h1>Choose the Instagram account to connect</h1>
      <p>
        Your Facebook login manages several Pages with an Instagram professional account. Pick the
        one whose messages should arrive in LiveChat; you can connect the others afterwards.
      </p>
      <form method="post" action="/connect/instagram/choose" id="chooser">
        <input type="hidden" name="ref" value="${ref}" />
        <fieldset>
          <legend>Instagram accounts</legend>
          <ul class="choices">
            ${items}
          </ul>
        </fieldset>
        <p class="actions">
          <button
            type="submit"
            class="button"
            id="choose-submit"
            ${firstAvailable < 0 ? html` disabled` : ''}
          >
            Connect
          </button>
          <a href="/app">Cancel</a>
        </p>
      </form>
    </section>`,
  });
}
