import {
  MESSAGING_NOT_ALLOWED_REASON,
  REQUIRED_FACEBOOK_SCOPES,
  REQUIRED_INSTAGRAM_SCOPES,
} from '@app/credentials';
import { html, SafeHtml } from '../pages/html.util';
import { renderDocument, renderMessagePage } from '../pages/page-layout';
import { CompleteOutcome, ConnectResult } from './instagram-connect.service';

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

/**
 * The page Facebook's callback ends on. `settingsOrigin`: the only origin the handle may be
 * posted to (the gateway's PUBLIC_URL origin, where the settings page runs).
 */
export function renderConnectResult(result: ConnectResult, settingsOrigin: string): RenderedPage {
  const { outcome } = result;
  const platform = result.login === 'instagram' ? 'Instagram' : 'Facebook';
  const purposes =
    result.login === 'instagram' ? REQUIRED_INSTAGRAM_SCOPES : REQUIRED_FACEBOOK_SCOPES;
  const popup = result.display === 'popup' ? '1' : '0';
  const message = (
    status: number,
    title: string,
    paragraphs: Array<string | SafeHtml>,
    actions: SafeHtml = TRY_AGAIN,
  ): RenderedPage => ({
    status,
    page: renderMessagePage({
      title,
      tone: status < 300 ? 'info' : 'error',
      paragraphs,
      actions,
      view: 'connect-result',
      data: { result: outcome.kind, popup },
    }),
  });

  switch (outcome.kind) {
    case 'handoff':
      return {
        status: 200,
        page: renderDocument({
          title: 'Finish connecting in the app settings',
          script: true,
          meta: { 'igl-connect-handle': outcome.handle },
          data: { view: 'connect-handoff', popup, 'settings-origin': settingsOrigin },
          body: html`<section class="card notice notice-info" role="status">
            <h1>Finish connecting in the app settings</h1>
            <p id="handoff-status">
              The ${platform} login is done, but nothing is connected yet: the LiveChat
              administrator who clicked “Connect Instagram account” finishes it in the app settings.
            </p>
            <p>
              If you did not start this from the app settings of your own LiveChat organization,
              close this page. Nothing was connected.
            </p>
            <p class="actions">${BACK}</p>
          </section>`,
        }),
      };
    case 'cancelled':
      return message(200, `${platform} login cancelled`, [
        `You cancelled the ${platform} login, so no Instagram account was connected.`,
      ]);
    case 'login-failed':
      return message(400, `${platform} login failed`, [
        outcome.description
          ? html`${platform} said: “${outcome.description.slice(0, 300)}”.`
          : `${platform} did not complete the login.`,
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
        `Your ${platform} login expired`,
        [
          `The ${platform} login expired or was already used before the account could be connected. Nothing was changed.`,
          'Reconnect to try again.',
        ],
        RECONNECT,
      );
    case 'missing-permissions':
      return message(403, 'Some permissions were not granted', [
        'The app needs every permission it asks for. These were not granted:',
        html`<ul class="missing-permissions">
          ${outcome.missing.map(
            (p) => html`<li><code>${p}</code>${purposes[p] ? html` — to ${purposes[p]}` : ''}</li>`,
          )}
        </ul>`,
        `Connect again and leave every permission switched on in the ${platform} dialog.`,
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
    case 'upstream-failed':
      return message(502, 'Facebook did not answer', [
        'The account could not be connected because Facebook did not answer as expected. Try again in a minute.',
      ]);
  }
}

export interface CompleteRefusal {
  status: number;
  reason: string;
  message: string;
}

/** The JSON answer of `POST /api/instagram/connect/complete` for every outcome but success. */
export function completeRefusal(
  outcome: Exclude<CompleteOutcome, { kind: 'connected' } | { kind: 'choose' }>,
): CompleteRefusal {
  switch (outcome.kind) {
    case 'handle-gone':
      return {
        status: 410,
        reason: 'handle-gone',
        message:
          'This connection was already completed, or it expired. Connect again from the settings.',
      };
    case 'other-installation':
      return {
        status: 403,
        reason: 'other-installation',
        message:
          'This connection was started from another LiveChat organization, so it cannot be completed here. Nothing was connected.',
      };
    case 'unknown-page':
      return {
        status: 400,
        reason: 'unknown-page',
        message: 'Choose one of the Pages listed.',
      };
    case 'taken':
      return {
        status: 409,
        reason: 'taken',
        message: outcome.existing.otherInstallation
          ? `${handle(outcome.username)} is already connected to ${outcome.where} with this app. An Instagram account can be connected to one organization at a time: disconnect it there first.`
          : `${handle(outcome.username)} is already connected to ${outcome.where}. An account is connected one way at a time (otherwise every message would arrive twice): disconnect it first to switch.`,
      };
    case 'messaging-not-allowed':
      return {
        status: 422,
        reason: 'messaging-not-allowed',
        message: `${handle(outcome.username)} does not let apps read and answer its messages. ${MESSAGING_NOT_ALLOWED_REASON}`,
      };
    case 'missing-permissions':
      return {
        status: 422,
        reason: 'missing-permissions',
        message: `Some permissions were not granted: ${outcome.missing.join(', ')}. Connect again and leave every permission switched on in the Facebook dialog.`,
      };
    case 'login-expired':
      return {
        status: 410,
        reason: 'login-expired',
        message: 'The Facebook login expired before the account could be connected. Connect again.',
      };
    case 'upstream-failed':
      return {
        status: 502,
        reason: 'upstream-failed',
        message:
          'The account could not be connected because Facebook did not answer as expected. Try again in a minute.',
      };
  }
}
