/**
 * Browser code of the settings page (`/app`) and of the connect result pages. Plain TypeScript and
 * the DOM, no framework: bundled by esbuild into `settings-bundle.generated.ts` (see
 * build-settings-bundle.ts). A `.mts` file on purpose: the server's tsconfig (`*.ts`, no DOM
 * library) leaves it alone; the bundle test type-checks it with the DOM library.
 *
 * Authentication: the admin's own LiveChat access token, obtained here with LiveChat's implicit
 * flow (`response_type=token`) and kept in sessionStorage for this tab only — no cookies. Inside
 * LiveChat's app-settings iframe the sign-in and the Facebook dialog open in popups (neither can be
 * framed); the popups hand their result back with postMessage, same origin only.
 *
 * Connecting: Facebook's callback page connects nothing; it hands a single-use handle to this
 * page (postMessage from the popup, or sessionStorage when the dialog ran in this tab), and this
 * page completes the connect with the admin's token, asking which Page when several qualify.
 */

interface AccountView {
  id: string;
  instagramAccountId: string;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
  pageId: string;
  pageName: string | null;
  /** `instagram`: connected as an Instagram professional account (Instagram Login). */
  loginPath?: 'facebook' | 'instagram';
  status: 'active' | 'needs_reconnect' | 'disconnected';
  statusReason: string | null;
  livechatGroupId: number;
  livechatGroupProblem: string | null;
  lastRelayedAt: string | null;
  connectedAt: string;
  health: AccountHealthView;
}

interface AccountHealthView {
  state: 'working' | 'repaired' | 'needs_you' | 'unchecked';
  checkedAt: string | null;
  problem: string | null;
  lastProblem: string | null;
  lastProblemAt: string | null;
  repair: string | null;
  repairedAt: string | null;
}

interface LiveChatGroup {
  id: number;
  name: string;
}

interface SettingsView {
  organizationId: string;
  licenseId: number | null;
  status: 'active' | 'needs_reauth' | 'uninstalled';
  humanAgentEnabled: boolean;
  purgeDelaySeconds: number;
  instagramLoginAvailable?: boolean;
}

type LoginPath = 'facebook' | 'instagram';

interface StoredToken {
  token: string;
  expiresAt: number;
}

type PopupMessage =
  | { type: 'igl-signed-in'; token: string; expiresIn: number; state: string }
  | { type: 'igl-connect-finished'; result: string }
  | { type: 'igl-connect-handle'; handle: string }
  | { type: 'igl-ack' };

interface PageChoice {
  pageId: string;
  name: string;
  username: string | null;
  instagramName: string | null;
  avatarUrl: string | null;
  state: 'available' | 'connected-here' | 'taken';
}

type CompleteAnswer = { account: AccountView; reconnected: boolean } | { choose: PageChoice[] };

const TOKEN_KEY = 'igl.livechat.token';
const STATE_KEY = 'igl.livechat.state';
/** A connect handle the callback page left for the settings page of the same tab. */
const HANDLE_KEY = 'igl.connect.handle';
/** Popup sign-ins carry this state prefix, so the landing page knows to hand the token back. */
const POPUP_STATE_PREFIX = 'p.';

function byId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

function show(el: HTMLElement | null, visible: boolean): void {
  if (el) {
    el.hidden = !visible;
  }
}

function inFrame(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true;
  }
}

function randomState(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function sendToOpener(message: PopupMessage, targetOrigin = window.location.origin): boolean {
  const opener = window.opener as Window | null;
  if (!opener || opener === window) {
    return false;
  }
  try {
    opener.postMessage(message, targetOrigin);
    return true;
  } catch {
    return false;
  }
}

/** Closes this popup once the opener confirms it got the message (never a window we did not open). */
function closeWhenAcknowledged(): void {
  window.addEventListener('message', (event: MessageEvent<PopupMessage>) => {
    if (event.origin === window.location.origin && event.data?.type === 'igl-ack') {
      window.close();
    }
  });
}

// ------------------------------------------------------------------ token

/**
 * sessionStorage, or memory where the browser denies it (a third-party iframe with third-party
 * storage blocked, as inside LiveChat in some browsers): the sign-in then lasts as long as the page.
 */
const memory = new Map<string, string>();
const store = {
  get(key: string): string | null {
    try {
      return sessionStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key: string, value: string): void {
    try {
      sessionStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
  remove(key: string): void {
    memory.delete(key);
    try {
      sessionStorage.removeItem(key);
    } catch {
      // memory only
    }
  },
};

function readToken(): string | null {
  try {
    const raw = store.get(TOKEN_KEY);
    if (!raw) {
      return null;
    }
    const stored = JSON.parse(raw) as StoredToken;
    if (typeof stored.token !== 'string' || stored.expiresAt <= Date.now() + 30_000) {
      store.remove(TOKEN_KEY);
      return null;
    }
    return stored.token;
  } catch {
    return null;
  }
}

function storeToken(token: string, expiresIn: number): void {
  const stored: StoredToken = { token, expiresAt: Date.now() + Math.max(60, expiresIn) * 1000 };
  store.set(TOKEN_KEY, JSON.stringify(stored));
}

function clearToken(): void {
  store.remove(TOKEN_KEY);
}

// ------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = readToken();
  if (!token) {
    signedOut('Sign in with LiveChat to continue.');
    throw new ApiError(401, 'not signed in');
  }
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
  }
  const data = (await response.json().catch(() => ({}))) as { message?: unknown };
  if (response.status === 401) {
    clearToken();
    signedOut('Your LiveChat sign-in expired. Sign in again.');
    throw new ApiError(401, 'signed out');
  }
  if (!response.ok) {
    const message = Array.isArray(data.message) ? data.message.join(' ') : data.message;
    throw new ApiError(
      response.status,
      typeof message === 'string' ? message : `Request failed (${response.status}).`,
    );
  }
  return data as T;
}

// ------------------------------------------------------------------ status line

function announce(text: string, tone: 'info' | 'error' = 'info'): void {
  const status = byId('status');
  if (status) {
    status.textContent = text;
    status.className = `status status-${tone}`;
    show(status, text !== '');
  }
}

function reportError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    return; // signedOut() already said it
  }
  announce(error instanceof Error ? error.message : 'Something went wrong.', 'error');
}

// ------------------------------------------------------------------ sign-in

function config(): { accountsUrl: string; clientId: string; redirectUri: string } {
  const data = document.body.dataset;
  return {
    accountsUrl: data.accountsUrl ?? '',
    clientId: data.clientId ?? '',
    redirectUri: data.redirectUri ?? `${window.location.origin}/app`,
  };
}

function startSignIn(): void {
  const { accountsUrl, clientId, redirectUri } = config();
  const popup = inFrame();
  const state = (popup ? POPUP_STATE_PREFIX : 't.') + randomState();
  store.set(STATE_KEY, state);
  const url = new URL(`${accountsUrl.replace(/\/+$/, '')}/`);
  url.searchParams.set('response_type', 'token');
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  if (popup) {
    const opened = window.open(url.toString(), 'igl-livechat-signin', 'popup,width=520,height=720');
    if (!opened) {
      showSignInError('The sign-in window was blocked. Allow pop-ups for this page and try again.');
    }
    return;
  }
  window.location.assign(url.toString());
}

function acceptToken(token: string, expiresIn: number, state: string): boolean {
  const expected = store.get(STATE_KEY);
  store.remove(STATE_KEY);
  if (!expected || expected !== state) {
    showSignInError('The sign-in could not be verified. Sign in again.');
    return false;
  }
  storeToken(token, expiresIn);
  return true;
}

function showSignInError(text: string): void {
  const el = byId('signin-error');
  if (el) {
    el.textContent = text;
    show(el, true);
  }
}

function signedOut(reason?: string): void {
  show(byId('app-panel'), false);
  show(byId('loading'), false);
  show(byId('signin-panel'), true);
  if (reason) {
    showSignInError(reason);
  }
  byId('signin')?.focus();
}

/** The implicit flow's return: `#access_token=…&expires_in=…&state=…`. Handled before anything else. */
function handleSignInReturn(): 'popup-done' | 'accepted' | 'none' {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('access_token');
  if (!token) {
    return 'none';
  }
  // Out of the address bar and the history at once.
  history.replaceState(null, '', window.location.pathname + window.location.search);
  const expiresIn = Number(fragment.get('expires_in') ?? '28800') || 28800;
  const state = fragment.get('state') ?? '';
  if (state.startsWith(POPUP_STATE_PREFIX)) {
    if (sendToOpener({ type: 'igl-signed-in', token, expiresIn, state })) {
      closeWhenAcknowledged();
      document.body.replaceChildren(
        Object.assign(document.createElement('p'), {
          className: 'container',
          textContent: 'Signed in. You can close this window.',
        }),
      );
      return 'popup-done';
    }
  }
  return acceptToken(token, expiresIn, state) ? 'accepted' : 'none';
}

// ------------------------------------------------------------------ accounts

const STATUS_LABELS: Record<AccountView['status'], string> = {
  active: 'Active',
  needs_reconnect: 'Needs you',
  disconnected: 'Disconnected',
};

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function formatTime(iso: string | null): string {
  return iso ? `Last message relayed ${when(iso)}` : 'No message relayed yet';
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function avatar(account: AccountView): HTMLElement {
  const initial = (account.username ?? account.name ?? '?').slice(0, 1).toUpperCase();
  const fallback = el('span', { className: 'avatar avatar-empty', textContent: initial });
  fallback.setAttribute('aria-hidden', 'true');
  if (!account.avatarUrl) {
    return fallback;
  }
  const img = el('img', {
    className: 'avatar',
    src: account.avatarUrl,
    alt: '',
    width: 40,
    height: 40,
  });
  img.referrerPolicy = 'no-referrer';
  // Instagram CDN addresses expire: fall back to the initial.
  img.addEventListener('error', () => img.replaceWith(fallback));
  return img;
}

/** The license's groups, read from LiveChat with the accounts; null when LiveChat did not answer. */
let licenseGroups: LiveChatGroup[] | null = null;
let groupsError = '';

function groupLabel(id: number): string {
  const group = licenseGroups?.find((g) => g.id === id);
  return group ? group.name : `Group ${id}`;
}

/** Each account's LiveChat group, picked by name; LiveChat checks it when saved. */
function groupPicker(account: AccountView, title: string): HTMLElement {
  const id = `group-${account.id}`;
  const box = el('div', { className: 'account-group' });
  const label = el('label', { htmlFor: id, textContent: 'LiveChat group' });
  const select = el('select', { id });
  select.dataset.action = 'group';
  const known = licenseGroups ?? [];
  for (const group of known) {
    select.append(el('option', { value: String(group.id), textContent: group.name }));
  }
  if (!known.some((g) => g.id === account.livechatGroupId)) {
    select.append(
      el('option', {
        value: String(account.livechatGroupId),
        textContent: licenseGroups
          ? `Group ${account.livechatGroupId} (not found in LiveChat)`
          : groupLabel(account.livechatGroupId),
      }),
    );
  }
  select.value = String(account.livechatGroupId);
  select.disabled = licenseGroups === null;
  const save = el('button', { type: 'button', className: 'button button-secondary' });
  save.textContent = 'Save group';
  save.dataset.action = 'save-group';
  save.setAttribute('aria-label', `Save the LiveChat group of ${title}`);
  save.disabled = licenseGroups === null;
  const status = el('span', { className: 'field-status', textContent: groupsError });
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  save.addEventListener('click', () => {
    save.disabled = true;
    void (async () => {
      try {
        const { account: saved } = await api<{ account: AccountView }>(
          'PATCH',
          `/api/instagram/accounts/${encodeURIComponent(account.id)}`,
          { livechatGroupId: Number(select.value) },
        );
        account.livechatGroupId = saved.livechatGroupId;
        account.livechatGroupProblem = saved.livechatGroupProblem;
        box.parentElement?.querySelector('[data-problem="group"]')?.remove();
        status.textContent = `Saved: new chats of ${title} go to ${groupLabel(saved.livechatGroupId)}.`;
        status.className = 'field-status status-info';
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) {
          status.textContent = error instanceof Error ? error.message : 'Not saved.';
          status.className = 'field-status status-error';
        }
      } finally {
        save.disabled = false;
      }
    })();
  });
  box.append(label, select, save, status);
  return box;
}

function renderAccounts(accounts: AccountView[]): void {
  const list = byId<HTMLUListElement>('accounts');
  if (!list) {
    return;
  }
  const visible = accounts.filter((a) => a.status !== 'disconnected');
  const gone = accounts.length - visible.length;
  list.replaceChildren(...visible.map(accountItem));
  show(byId('accounts-empty'), visible.length === 0);
  const note = byId('disconnected-note');
  if (note) {
    note.textContent =
      gone === 0
        ? ''
        : `${gone} disconnected account${gone === 1 ? '' : 's'}: relaying stopped; the data is deleted after the retention delay.`;
    show(note, gone > 0);
  }
}

function accountItem(account: AccountView): HTMLLIElement {
  const title = account.username
    ? `@${account.username}`
    : (account.name ?? account.instagramAccountId);
  const item = el('li', { className: 'account' });
  item.dataset.accountId = account.id;
  item.dataset.status = account.status;
  const badge = el('span', {
    className: `badge badge-${account.status}`,
    textContent: STATUS_LABELS[account.status],
  });
  const details = el(
    'div',
    { className: 'account-details' },
    el('p', { className: 'account-title' }, el('strong', { textContent: title }), ' ', badge),
    el('p', {
      className: 'muted',
      textContent: `${account.name && account.username ? `${account.name} · ` : ''}${
        account.loginPath === 'instagram'
          ? 'Instagram professional account (Instagram login)'
          : `Facebook Page: ${account.pageName ?? account.pageId}`
      }`,
    }),
    el('p', { className: 'muted', textContent: formatTime(account.lastRelayedAt) }),
  );
  details.append(healthBlock(account));
  if (account.livechatGroupProblem) {
    const problem = el('p', {
      className: 'account-reason',
      textContent: account.livechatGroupProblem,
    });
    problem.dataset.problem = 'group';
    details.append(problem);
  }
  details.append(groupPicker(account, title));
  const actions = el('div', { className: 'account-actions' });
  if (account.status === 'needs_reconnect') {
    const reconnect = el('button', {
      type: 'button',
      className: 'button',
      textContent: 'Reconnect',
    });
    reconnect.dataset.action = 'reconnect';
    reconnect.setAttribute('aria-label', `Reconnect ${title}`);
    reconnect.addEventListener('click', () => void connect(account.loginPath ?? 'facebook'));
    actions.append(reconnect);
  }
  const disconnect = el('button', {
    type: 'button',
    className: 'button button-secondary',
    textContent: 'Disconnect',
  });
  disconnect.dataset.action = 'disconnect';
  disconnect.setAttribute('aria-label', `Disconnect ${title}`);
  disconnect.addEventListener('click', () => askToDisconnect(account, title, actions, disconnect));
  actions.append(disconnect);
  item.append(avatar(account), details, actions);
  return item;
}

/** What the connection watchdog found, in an admin's words (the API's `health`). */
function healthBlock(account: AccountView): HTMLElement {
  const { health } = account;
  const block = el('div', { className: `health health-${health.state}` });
  block.dataset.health = health.state;
  const line = (title: string, detail: string | null): void => {
    block.append(el('p', { className: 'health-title' }, el('strong', { textContent: title })));
    if (detail) {
      block.append(el('p', { className: 'health-detail', textContent: detail }));
    }
  };
  switch (health.state) {
    case 'needs_you':
      line(
        account.status === 'needs_reconnect' ? 'Needs you: reconnect' : 'Needs you',
        health.problem,
      );
      break;
    case 'repaired':
      line(
        health.repairedAt
          ? `Repaired automatically at ${when(health.repairedAt)}`
          : 'Repaired automatically',
        health.repair,
      );
      break;
    case 'working':
      line('Working', health.checkedAt ? `Connection checked ${when(health.checkedAt)}.` : null);
      break;
    default:
      line('Not checked yet', 'The connection is checked every few minutes.');
  }
  return block;
}

/** An inline confirmation (no modal: LiveChat's iframe may not allow them), keyboard-first. */
function askToDisconnect(
  account: AccountView,
  title: string,
  actions: HTMLElement,
  trigger: HTMLButtonElement,
): void {
  const confirmBox = el('div', { className: 'confirm' });
  confirmBox.setAttribute('role', 'group');
  confirmBox.setAttribute('aria-label', `Confirm disconnecting ${title}`);
  const question = el('span', {
    textContent: `Disconnect ${title}? Its messages stop arriving at once.`,
  });
  const yes = el('button', {
    type: 'button',
    className: 'button button-danger',
    textContent: 'Yes, disconnect',
  });
  yes.dataset.action = 'confirm-disconnect';
  const no = el('button', {
    type: 'button',
    className: 'button button-secondary',
    textContent: 'Cancel',
  });
  confirmBox.append(question, yes, no);
  trigger.hidden = true;
  actions.append(confirmBox);
  yes.focus();
  no.addEventListener('click', () => {
    confirmBox.remove();
    trigger.hidden = false;
    trigger.focus();
  });
  yes.addEventListener('click', () => {
    yes.disabled = true;
    no.disabled = true;
    void (async () => {
      try {
        await api('DELETE', `/api/instagram/accounts/${encodeURIComponent(account.id)}`);
        announce(`${title} is disconnected.`);
        await loadAccounts();
        byId('connect')?.focus();
      } catch (error) {
        reportError(error);
        yes.disabled = false;
        no.disabled = false;
      }
    })();
  });
}

async function loadAccounts(): Promise<void> {
  const [{ accounts }, groups] = await Promise.all([
    api<{ accounts: AccountView[] }>('GET', '/api/instagram/accounts'),
    // The accounts show without the groups: LiveChat may be slow or refuse to list them.
    api<{ groups: LiveChatGroup[] }>('GET', '/api/livechat/groups').catch(
      (error: unknown) => error,
    ),
  ]);
  if (groups instanceof Error) {
    licenseGroups = null;
    groupsError = `The LiveChat groups could not be read: ${groups.message}`;
  } else {
    licenseGroups = (groups as { groups: LiveChatGroup[] }).groups;
    groupsError = '';
  }
  renderAccounts(accounts);
}

/** The Facebook or Instagram window this page opened (its handle is accepted from it only). */
let connectWindow: Window | null = null;

/**
 * "Instagram professional account" (Instagram Login), "Through a Facebook Page" (Facebook Login)
 * and "Reconnect" (the account's own way): the dialog, then the callback's handle comes back.
 */
async function connect(login: LoginPath = 'facebook'): Promise<void> {
  const platform = login === 'instagram' ? 'Instagram' : 'Facebook';
  const popup = inFrame();
  // A popup must open in the click itself, before any await, or browsers block it.
  const win = popup
    ? window.open('about:blank', 'igl-connect', 'popup,width=600,height=760')
    : null;
  if (popup && !win) {
    announce(
      `The ${platform} window was blocked. Allow pop-ups for this page and try again.`,
      'error',
    );
    return;
  }
  try {
    const { url } = await api<{ url: string }>('POST', '/api/instagram/connect', {
      login,
      display: popup ? 'popup' : 'page',
    });
    if (win) {
      connectWindow = win;
      win.location.href = url;
      announce(`Finish connecting in the ${platform} window.`);
    } else {
      window.location.assign(url);
    }
  } catch (error) {
    win?.close();
    reportError(error);
  }
}

/**
 * Completes a connect with the callback's handle; with several Pages, shows the choice first.
 * The server connects only for an admin of the installation that started it.
 */
async function completeConnect(handle: string, pageId?: string): Promise<void> {
  announce(pageId ? 'Connecting the Instagram account…' : 'Finishing the connection…');
  let answer: CompleteAnswer;
  try {
    answer = await api<CompleteAnswer>(
      'POST',
      '/api/instagram/connect/complete',
      pageId ? { handle, pageId } : { handle },
    );
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 400)) {
      closeChooser();
    }
    reportError(error);
    return;
  }
  if ('choose' in answer) {
    announce('');
    showChooser(handle, answer.choose);
    return;
  }
  closeChooser();
  const { account } = answer;
  const title = account.username ? `@${account.username}` : 'The Instagram account';
  announce(`${title} is ${answer.reconnected ? 'reconnected' : 'connected'}.`);
  await loadAccounts().catch(reportError);
}

function closeChooser(): void {
  byId('connect-chooser')?.remove();
}

/** Which Page to connect: radio buttons (taken ones disabled), "Connect" and "Cancel". */
function showChooser(handle: string, choices: PageChoice[]): void {
  closeChooser();
  const form = el('form', { id: 'connect-chooser', className: 'card' });
  form.setAttribute('aria-labelledby', 'chooser-title');
  const firstAvailable = choices.findIndex((c) => c.state !== 'taken');
  const items = choices.map((choice, index) => {
    const id = `page-${index}`;
    const input = el('input', {
      type: 'radio',
      name: 'pageId',
      id,
      value: choice.pageId,
      checked: index === firstAvailable,
      disabled: choice.state === 'taken',
    });
    const note =
      choice.state === 'taken'
        ? ' — connected to another LiveChat organization'
        : choice.state === 'connected-here'
          ? ' — already connected here (choose it to refresh the connection)'
          : '';
    const label = el(
      'label',
      { htmlFor: id },
      el(
        'span',
        { className: 'choice-text' },
        el('strong', {
          textContent: choice.username ? `@${choice.username}` : 'Instagram account',
        }),
        choice.instagramName ? ` · ${choice.instagramName}` : '',
        el('br'),
        el('span', { className: 'muted', textContent: `Facebook Page: ${choice.name}${note}` }),
      ),
    );
    return el('li', { className: 'choice' }, input, label);
  });
  const submit = el('button', {
    type: 'submit',
    className: 'button',
    id: 'choose-submit',
    textContent: 'Connect',
    disabled: firstAvailable < 0,
  });
  const cancel = el('button', {
    type: 'button',
    className: 'button button-secondary',
    id: 'choose-cancel',
    textContent: 'Cancel',
  });
  form.append(
    el('h2', { id: 'chooser-title', textContent: 'Choose the Instagram account to connect' }),
    el('p', {
      textContent:
        'Your Facebook login manages several Pages with an Instagram professional account. Pick the one whose messages should arrive in LiveChat; you can connect the others afterwards.',
    }),
    el(
      'fieldset',
      {},
      el('legend', { textContent: 'Instagram accounts' }),
      el('ul', { className: 'choices' }, ...items),
    ),
    el('p', { className: 'actions' }, submit, ' ', cancel),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>('input[name="pageId"]:checked');
    if (!chosen) {
      return;
    }
    submit.disabled = true;
    void completeConnect(handle, chosen.value).finally(() => {
      submit.disabled = false;
    });
  });
  cancel.addEventListener('click', () => {
    closeChooser();
    announce('Nothing was connected.');
    byId('connect')?.focus();
  });
  const panel = byId('app-panel');
  panel?.prepend(form);
  form.querySelector<HTMLInputElement>('input[name="pageId"]:checked')?.focus();
}

// ------------------------------------------------------------------ settings form

async function loadSettings(): Promise<void> {
  const settings = await api<SettingsView>('GET', '/api/settings');
  const humanAgent = byId<HTMLInputElement>('human-agent');
  if (humanAgent) {
    humanAgent.checked = settings.humanAgentEnabled;
  }
  show(byId('reauth-banner'), settings.status === 'needs_reauth');
  const instagram = byId<HTMLButtonElement>('connect-instagram');
  const hint = byId('connect-instagram-hint');
  if (instagram && settings.instagramLoginAvailable === false) {
    instagram.disabled = true;
    if (hint) {
      hint.textContent =
        'Not available on this server yet (its operator has not set up the Instagram app): connect through a Facebook Page.';
    }
  }
}

async function saveSettings(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const humanAgent = byId<HTMLInputElement>('human-agent');
  const status = byId('settings-status');
  const save = byId<HTMLButtonElement>('save-settings');
  if (save) {
    save.disabled = true;
  }
  try {
    const saved = await api<SettingsView>('PUT', '/api/settings', {
      humanAgentEnabled: humanAgent?.checked ?? false,
    });
    if (humanAgent) {
      humanAgent.checked = saved.humanAgentEnabled;
    }
    if (status) {
      status.textContent = 'Saved.';
      status.className = 'field-status status-info';
    }
  } catch (error) {
    if (status && !(error instanceof ApiError && error.status === 401)) {
      status.textContent = error instanceof Error ? error.message : 'Not saved.';
      status.className = 'field-status status-error';
    }
  } finally {
    if (save) {
      save.disabled = false;
    }
  }
}

// ------------------------------------------------------------------ pages

async function showSettings(): Promise<void> {
  show(byId('signin-panel'), false);
  show(byId('loading'), true);
  try {
    await Promise.all([loadSettings(), loadAccounts()]);
    show(byId('app-panel'), true);
  } catch (error) {
    reportError(error);
  } finally {
    show(byId('loading'), false);
  }
}

function startSettingsPage(): void {
  const returned = handleSignInReturn();
  if (returned === 'popup-done') {
    return;
  }
  const installed = new URLSearchParams(window.location.search).get('installed');
  if (installed) {
    const banner = byId('installed-banner');
    if (banner) {
      banner.textContent =
        installed === 'again'
          ? 'The app is installed again. Sign in with LiveChat to manage it.'
          : 'The app is installed. Sign in with LiveChat, then connect your Instagram account.';
      show(banner, true);
    }
  }
  byId('signin')?.addEventListener('click', startSignIn);
  byId('connect')?.addEventListener('click', () => void connect('facebook'));
  byId('connect-instagram')?.addEventListener('click', () => void connect('instagram'));
  byId<HTMLFormElement>('settings-form')?.addEventListener(
    'submit',
    (event) => void saveSettings(event),
  );
  byId('signout')?.addEventListener('click', () => {
    clearToken();
    store.remove(HANDLE_KEY);
    closeChooser();
    announce('');
    signedOut();
  });
  window.addEventListener('message', (event: MessageEvent<PopupMessage>) => {
    if (event.origin !== window.location.origin || typeof event.data !== 'object' || !event.data) {
      return;
    }
    const message = event.data;
    if (message.type === 'igl-signed-in') {
      (event.source as Window | null)?.postMessage({ type: 'igl-ack' }, window.location.origin);
      if (acceptToken(message.token, message.expiresIn, message.state)) {
        void showSettings();
      }
    } else if (message.type === 'igl-connect-handle') {
      // Only from the Facebook window this page opened.
      if (!connectWindow || event.source !== connectWindow || typeof message.handle !== 'string') {
        return;
      }
      connectWindow = null;
      (event.source as Window | null)?.postMessage({ type: 'igl-ack' }, window.location.origin);
      void completeConnect(message.handle);
    } else if (message.type === 'igl-connect-finished') {
      (event.source as Window | null)?.postMessage({ type: 'igl-ack' }, window.location.origin);
      announce('');
      void loadAccounts().catch(reportError);
    }
  });
  if (readToken()) {
    // Back from a Facebook dialog that ran in this tab: the callback page left the handle here
    // (kept through a sign-in if the token expired meanwhile).
    const handle = store.get(HANDLE_KEY);
    store.remove(HANDLE_KEY);
    void showSettings().then(() => (handle ? completeConnect(handle) : undefined));
  } else {
    signedOut();
  }
}

/**
 * The callback page: hand the handle to the settings page that started the connect — its
 * opener (popup inside LiveChat), or, in the same tab, the settings page it returns to, which
 * completes with the admin's token. Without that token it connects nothing.
 */
function startConnectHandoff(): void {
  const handle =
    document.querySelector<HTMLMetaElement>('meta[name="igl-connect-handle"]')?.content ?? '';
  const settingsOrigin = document.body.dataset.settingsOrigin ?? '';
  if (!handle || !settingsOrigin) {
    return;
  }
  // The browser delivers it only if the opener is a page of the settings origin; the settings
  // page acknowledges, and this window closes.
  if (sendToOpener({ type: 'igl-connect-handle', handle }, settingsOrigin)) {
    closeWhenAcknowledged();
    return;
  }
  if (window.location.origin === settingsOrigin && readToken()) {
    store.set(HANDLE_KEY, handle);
    window.location.replace('/app');
  }
}

/** The page a failed connect ends on: in a popup, tell the settings page, offer to close. */
function startConnectResult(): void {
  if (document.body.dataset.popup !== '1') {
    return;
  }
  const result = document.body.dataset.result ?? 'unknown';
  if (sendToOpener({ type: 'igl-connect-finished', result })) {
    for (const link of Array.from(
      document.querySelectorAll<HTMLAnchorElement>('#back-to-settings'),
    )) {
      const close = el('button', {
        type: 'button',
        className: 'button',
        textContent: 'Close this window',
      });
      close.addEventListener('click', () => window.close());
      link.replaceWith(close);
    }
  }
}

function main(): void {
  switch (document.body.dataset.view) {
    case 'settings':
      startSettingsPage();
      break;
    case 'connect-result':
      startConnectResult();
      break;
    case 'connect-handoff':
      startConnectHandoff();
      break;
    default:
      break;
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', main);
} else {
  main();
}
