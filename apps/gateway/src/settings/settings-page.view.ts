import { html, SafeHtml } from '../pages/html.util';
import { renderDocument } from '../pages/page-layout';

/** The settings page's static markup; its browser code (web/*.mts) fills it in. */
export function renderSettingsPage(config: {
  accountsUrl: string;
  clientId: string;
  redirectUri: string;
}): SafeHtml {
  return renderDocument({
    title: 'Settings',
    script: true,
    data: {
      view: 'settings',
      'accounts-url': config.accountsUrl,
      'client-id': config.clientId,
      'redirect-uri': config.redirectUri,
    },
    body: html`<p id="installed-banner" class="banner banner-success" role="status" hidden></p>
      <p id="reauth-banner" class="banner banner-warn" role="alert" hidden>
        <strong>Needs you: reinstall.</strong> LiveChat no longer accepts the app’s authorization,
        so Instagram messages cannot reach LiveChat.
        <a href="/install">Authorize the app again</a> with an administrator account.
      </p>
      <p id="status" class="status" role="status" aria-live="polite" hidden></p>
      <noscript><p class="banner banner-warn">This page needs JavaScript.</p></noscript>
      <p id="loading" class="muted">Loading…</p>

      <section id="signin-panel" class="card" aria-labelledby="signin-title" hidden>
        <h1 id="signin-title">Sign in with LiveChat</h1>
        <p>Manage Instagram Messaging with your LiveChat administrator account.</p>
        <p id="signin-error" class="error" role="alert" hidden></p>
        <p class="actions">
          <button id="signin" class="button" type="button">Sign in with LiveChat</button>
        </p>
      </section>

      <div id="app-panel" hidden>
        <section class="card" aria-labelledby="accounts-title">
          <div class="card-head">
            <h1 id="accounts-title">Instagram accounts</h1>
          </div>
          <p class="muted">
            Direct Messages to these accounts arrive in LiveChat as chats, in the LiveChat group
            chosen for each account; agents’ replies go back to Instagram.
          </p>
          <div class="connect-options" role="group" aria-labelledby="connect-title">
            <h2 id="connect-title">Connect an Instagram account</h2>
            <p class="actions">
              <button
                id="connect-instagram"
                class="button"
                type="button"
                aria-describedby="connect-instagram-hint"
              >
                Instagram professional account
              </button>
            </p>
            <p id="connect-instagram-hint" class="muted">
              Log in with Instagram. For Business and Creator accounts; no Facebook Page needed.
            </p>
            <p class="actions">
              <button
                id="connect"
                class="button button-secondary"
                type="button"
                aria-describedby="connect-facebook-hint"
              >
                Through a Facebook Page
              </button>
            </p>
            <p id="connect-facebook-hint" class="muted">
              Log in with Facebook and choose the Facebook Page your Instagram account is linked to.
            </p>
          </div>
          <ul id="accounts" class="accounts" aria-label="Connected Instagram accounts"></ul>
          <p id="accounts-empty" hidden>No Instagram account is connected yet.</p>
          <p id="disconnected-note" class="muted" hidden></p>
        </section>

        <section class="card" aria-labelledby="settings-title">
          <h2 id="settings-title">Chats</h2>
          <form id="settings-form" novalidate>
            <div class="check">
              <input
                id="human-agent"
                name="humanAgentEnabled"
                type="checkbox"
                aria-describedby="human-agent-hint"
              />
              <label for="human-agent"
                >Let agents reply from 24 hours up to 7 days after the customer’s last message
                (HUMAN_AGENT tag)</label
              >
            </div>
            <p id="human-agent-hint" class="hint">
              Instagram allows replies after 24 hours only with the Human Agent feature of the Meta
              app. Without it, agents are told in the chat when a reply could not be sent.
            </p>
            <p class="actions">
              <button id="save-settings" class="button" type="submit">Save</button
              ><span
                id="settings-status"
                class="field-status"
                role="status"
                aria-live="polite"
              ></span>
            </p>
          </form>
        </section>
        <p class="muted"><button id="signout" class="link" type="button">Sign out</button></p>
      </div>`,
  });
}
