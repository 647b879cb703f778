import { appSecretProof, classifyGraphFailure, isMetaGraphError } from '@app/meta-graph';

/**
 * Graph error code Meta documents for "Instagram messaging is not available for this account"
 * (the Conversations API eligibility check). Also what an account whose owner has not turned on
 * "Allow access to messages" is expected to answer (UNCONFIRMED: Meta documents no separate code).
 */
export const MESSAGING_NOT_AVAILABLE_CODE = 36103;

export type InstagramAccessProblemKind =
  'token-expired' | 'permission-missing' | 'messaging-not-allowed';

/** Why Meta refuses to work with a connected account, in terms an admin can act on. */
export interface InstagramAccessProblem {
  kind: InstagramAccessProblemKind;
  /** The permission Meta named, when it named one. */
  permission?: string;
  /** One sentence for the admin, under 256 characters, no personal data (`status_reason`). */
  reason: string;
}

export const MESSAGING_NOT_ALLOWED_REASON =
  'Instagram does not allow access to this account’s messages: in the Instagram app, turn on ' +
  '“Allow access to messages” (Settings › Messages and story replies › Message controls), ' +
  'then reconnect.';

export const TOKEN_EXPIRED_REASON =
  'The Facebook login that connected this account expired or was revoked: reconnect it.';

/**
 * Maps a Meta failure to a problem the admin can fix (reconnect, grant a permission, allow message
 * access in the Instagram app); undefined for anything else (outages, rate limits, bad input).
 */
export function instagramAccessProblemOf(error: unknown): InstagramAccessProblem | undefined {
  if (!isMetaGraphError(error)) {
    return undefined;
  }
  if (
    error.code === MESSAGING_NOT_AVAILABLE_CODE ||
    error.subcode === MESSAGING_NOT_AVAILABLE_CODE
  ) {
    return { kind: 'messaging-not-allowed', reason: MESSAGING_NOT_ALLOWED_REASON };
  }
  if (error.reason === 'token-invalid') {
    return { kind: 'token-expired', reason: TOKEN_EXPIRED_REASON };
  }
  if (error.reason === 'permission-missing') {
    const permission = /\b([a-z]+(?:_[a-z]+)+) permission/.exec(error.graphMessage ?? '')?.[1];
    return {
      kind: 'permission-missing',
      ...(permission ? { permission } : {}),
      reason: `Facebook refused: the permission ${permission ?? 'needed for this'} was not granted. Reconnect and allow every permission asked for.`,
    };
  }
  return undefined;
}

export interface MessagingProbeOptions {
  graphUrl: string;
  graphVersion: string;
  appSecret: string;
  timeoutMs: number;
}

/**
 * Asks Meta up front whether the Page's Instagram account can be messaged through the API, with
 * the one call Meta documents for it (`GET /{page-id}/conversations?platform=instagram`; 36103
 * when messaging is not available). Resolves the problem when Meta says so; undefined otherwise —
 * any other answer (success, outage, an unknown error) is not evidence, and the connection goes
 * ahead: the subscription and the first send report problems again.
 */
export async function probeInstagramMessaging(
  options: MessagingProbeOptions,
  pageToken: string,
  pageId: string,
): Promise<InstagramAccessProblem | undefined> {
  if (!/^\d+$/.test(pageId)) {
    return undefined;
  }
  const url = new URL(
    `${options.graphUrl.replace(/\/+$/, '')}/${options.graphVersion}/${pageId}/conversations`,
  );
  url.searchParams.set('platform', 'instagram');
  url.searchParams.set('fields', 'id');
  url.searchParams.set('limit', '1');
  url.searchParams.set('access_token', pageToken);
  url.searchParams.set('appsecret_proof', appSecretProof(pageToken, options.appSecret));
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
    const problem = instagramAccessProblemOf(
      classifyGraphFailure({ method: 'probeMessaging', status: response.status, body }),
    );
    return problem?.kind === 'messaging-not-allowed' ? problem : undefined;
  } catch {
    return undefined;
  }
}
