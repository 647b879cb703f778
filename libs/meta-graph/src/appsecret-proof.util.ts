import { createHmac } from 'node:crypto';

/** `appsecret_proof`: HMAC-SHA256 of the access token keyed with the app secret, lowercase hex. */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken, 'utf8').digest('hex');
}
