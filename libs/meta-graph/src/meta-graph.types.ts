/** What a call reports to metrics (never tokens, URLs or payloads). */
export interface MetaCallInfo {
  api: 'meta';
  /** Client method name, e.g. `sendText`. */
  method: string;
  /** HTTP status, or `network` when no response arrived (timeout, reset, DNS). */
  status: number | 'network';
  durationMs: number;
}

export interface MetaGraphOptions {
  /** e.g. `https://graph.facebook.com` (no version, no trailing slash needed). */
  graphUrl: string;
  /** e.g. `v26.0`; sent on every path, since unversioned calls fall back to the oldest version. */
  graphVersion: string;
  /** Host of the Facebook Login dialog, e.g. `https://www.facebook.com`. */
  oauthUrl: string;
  appId: string;
  appSecret: string;
  /** Per request, including reading the body. */
  timeoutMs: number;
  onCall?: (info: MetaCallInfo) => void;
  /** The Instagram API with Instagram Login (meta-instagram-api.md §5.2); hosts always known. */
  instagram?: InstagramLoginOptions;
}

/** Which way an account was connected: through its Facebook Page, or with Instagram Login. */
export type LoginPath = 'facebook' | 'instagram';

export interface InstagramLoginOptions {
  /** e.g. `https://www.instagram.com` (authorization dialog). */
  oauthUrl: string;
  /** e.g. `https://api.instagram.com` (code exchange). */
  apiUrl: string;
  /** e.g. `https://graph.instagram.com` (tokens, Send API, profiles, subscriptions). */
  graphUrl: string;
  /** The Instagram app's id and secret; without them the path cannot connect new accounts. */
  appId?: string;
  appSecret?: string;
}

/** `POST api.instagram.com/oauth/access_token`: the short-lived token and whose it is. */
export interface InstagramCodeResult {
  accessToken: string;
  /** The Instagram professional account id (what webhooks carry). */
  userId: string;
  permissions: string[];
}

/** `GET graph.instagram.com/me`. */
export interface InstagramLoginUser {
  /** `user_id`: the professional account id webhooks carry (not the app-scoped `id`). */
  userId: string;
  appScopedId?: string;
  username?: string;
  name?: string;
  profilePictureUrl?: string;
  accountType?: string;
}

// ---- Send API ----

export type MessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
/** The only tag Instagram accepts (the others are "not available for Instagram Messaging API"). */
export type MessageTag = 'HUMAN_AGENT';

export interface QuickReply {
  title: string;
  payload: string;
}

export interface SendTextInput {
  recipientId: string;
  text: string;
  /** Default `RESPONSE`; `MESSAGE_TAG` goes with `tag: 'HUMAN_AGENT'` (24 h–7 d window). */
  messagingType?: MessagingType;
  tag?: MessageTag;
  quickReplies?: QuickReply[];
}

export type SendAttachmentType = 'image' | 'video' | 'audio' | 'file';

export interface SendAttachmentInput {
  recipientId: string;
  type: SendAttachmentType;
  /** Public direct URL (no redirects); Meta fetches it. */
  url: string;
  messagingType?: MessagingType;
  tag?: MessageTag;
}

export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

export interface SendSenderActionInput {
  recipientId: string;
  action: SenderAction;
}

export interface SendMessageResult {
  recipientId: string;
  /** Store it: the echo webhook and a later delete carry the same mid. */
  messageId: string;
}

export interface SenderActionResult {
  recipientId: string;
  /** Meta returns none for sender actions; kept optional in case it ever does. */
  messageId?: string;
}

// ---- Profiles and accounts ----

export interface InstagramUserProfile {
  id: string;
  name?: string;
  username?: string;
  /** Expires in a few days: download it or refetch, never keep the URL. */
  profilePic?: string;
  isVerifiedUser?: boolean;
  followerCount?: number;
  isUserFollowBusiness?: boolean;
  isBusinessFollowUser?: boolean;
}

export interface InstagramAccountInfo {
  id: string;
  username?: string;
  name?: string;
  profilePictureUrl?: string;
}

export interface FacebookPage {
  id: string;
  name: string;
  /** Page access token (no expiry when listed with a long-lived user token). */
  accessToken: string;
  tasks: string[];
  /** The linked Instagram professional account id: what webhooks carry. */
  instagramBusinessAccountId?: string;
}

export interface SubscribedApp {
  id: string;
  name?: string;
  subscribedFields: string[];
}

export interface MetaUser {
  id: string;
  name?: string;
}

// ---- OAuth ----

export interface LoginDialogInput {
  redirectUri: string;
  /** CSRF state; echoed back on the redirect. */
  state: string;
  scopes: string[];
  /** `rerequest` asks again for permissions the user declined earlier. */
  authType?: 'rerequest' | 'reauthenticate';
}

export interface ExchangeCodeInput {
  code: string;
  /** Must be identical to the one used to open the dialog. */
  redirectUri: string;
}

export interface AccessTokenResult {
  accessToken: string;
  tokenType: string;
  /** Seconds; absent when Meta does not say. */
  expiresIn?: number;
}

export interface DebugTokenResult {
  isValid: boolean;
  /** `USER`, `PAGE`, `APP`, … */
  type?: string;
  appId?: string;
  application?: string;
  /** null: never expires (`expires_at: 0`). */
  expiresAt: Date | null;
  dataAccessExpiresAt: Date | null;
  issuedAt?: Date;
  scopes: string[];
  userId?: string;
  /** For Page tokens: the Page id. */
  profileId?: string;
  /** Set when `isValid` is false and Meta explains why. */
  errorCode?: number;
  errorSubcode?: number;
}
