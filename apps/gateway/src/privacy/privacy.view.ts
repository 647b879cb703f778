import { GatewayEnv } from '../config/gateway.env';
import { html, SafeHtml } from '../pages/html.util';
import { PRODUCT_NAME, renderDocument } from '../pages/page-layout';

/** `7 days`, `1 hour`, `90 seconds`: retention as people read it. */
export function humanDuration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

function contactLink(contact: string): SafeHtml {
  if (/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(contact)) {
    return html`<a href="mailto:${contact}">${contact}</a>`;
  }
  if (/^https:\/\/\S+$/.test(contact)) {
    return html`<a href="${contact}" rel="noopener">${contact}</a>`;
  }
  return html`${contact}`;
}

export function renderPrivacyPolicy(
  env: Pick<
    GatewayEnv,
    | 'OPERATOR_NAME'
    | 'OPERATOR_CONTACT'
    | 'PURGE_DELAY_SECONDS'
    | 'MESSAGE_LINK_RETENTION_DAYS'
    | 'FAILED_JOB_RETENTION_DAYS'
  >,
): SafeHtml {
  const purge =
    env.PURGE_DELAY_SECONDS === 0
      ? 'immediately'
      : `within ${humanDuration(env.PURGE_DELAY_SECONDS)}`;
  const links = humanDuration(env.MESSAGE_LINK_RETENTION_DAYS * 86_400);
  const failed = humanDuration(env.FAILED_JOB_RETENTION_DAYS * 86_400);
  const contact = contactLink(env.OPERATOR_CONTACT);
  return renderDocument({
    title: 'Privacy policy',
    body: html`<article class="card prose" id="privacy">
      <h1>Privacy policy</h1>
      <p>
        ${PRODUCT_NAME} is operated by <strong id="operator-name">${env.OPERATOR_NAME}</strong>.
        Questions and requests about your data: <span id="operator-contact">${contact}</span>.
      </p>

      <h2>What the service does</h2>
      <p>
        It connects Instagram professional accounts to a LiveChat organization: Instagram Direct
        Messages become LiveChat customer chats, and the agents’ replies are sent back to Instagram.
        A LiveChat administrator installs it from the LiveChat Marketplace and connects Instagram
        accounts through Facebook Login.
      </p>

      <h2>What is stored</h2>
      <ul>
        <li>
          For each LiveChat organization that installed the app: its organization and license ids,
          the id of the administrator who installed it, its settings (chat group, Human Agent
          replies), and LiveChat access and refresh tokens.
        </li>
        <li>
          For each connected Instagram account: the Instagram account and Facebook Page ids, the
          username, name, Page name and profile picture address, the Page access token, the
          app-scoped Facebook id of the person who connected it, its status and when a message was
          last relayed.
        </li>
        <li>
          For each Instagram conversation: the Instagram-scoped id of the person writing and the ids
          of the matching LiveChat customer and chat.
        </li>
        <li>
          Message links (an Instagram message id and the id of the matching LiveChat event, never
          the message itself), kept for ${links} so that unsent messages can be removed and
          duplicates recognised.
        </li>
      </ul>
      <p>
        Every token is encrypted (AES-256-GCM) before it is stored.
        <strong>Message content is not stored:</strong> the text and attachments of a message exist
        on our side only while it is being delivered, and are removed as soon as it is. A delivery
        that fails for good is kept for ${failed} so the operator can see why, then deleted.
      </p>

      <h2>Deleting</h2>
      <ul>
        <li>
          When someone unsends an Instagram message, it is removed from LiveChat within 30 days
          (usually within seconds).
        </li>
        <li>
          When an Instagram account is disconnected, or the app is uninstalled from LiveChat,
          relaying stops at once, the tokens and the Page’s webhook subscription are revoked, and
          everything stored about that account or organization is deleted ${purge}.
        </li>
        <li>
          Removing the app in your Facebook settings has the same effect for the accounts you
          connected, and Facebook’s data deletion requests are honoured with a status page you can
          check.
        </li>
      </ul>

      <h2>Cookies</h2>
      <p>
        None. The service sets no cookies at all. The settings page keeps your LiveChat sign-in only
        in the browser tab’s session storage, which the browser clears when the tab is closed.
      </p>

      <h2>Logs</h2>
      <p>
        The access log holds, for each request: the date and time, the path, the client IP address,
        the number of bytes sent and the user agent. Application logs hold ids and outcomes, never
        message content or tokens.
      </p>

      <h2>Other parties</h2>
      <p>
        Messages pass between Meta (Instagram) and LiveChat, which process them under their own
        privacy policies. Nothing is sold or shared with anyone else.
      </p>

      <h2>Contact</h2>
      <p>${env.OPERATOR_NAME} — ${contact}</p>
    </article>`,
  });
}
