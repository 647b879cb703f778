export { CredentialsModule } from './credentials.module';
export { CREDENTIALS_REDIS, CREDENTIALS_OPTIONS } from './credentials-redis.provider';
export type { CredentialsOptions } from './credentials-redis.provider';
export { LiveChatCredentialsService } from './livechat-credentials.service';
export type { CustomerCredentials } from './livechat-credentials.service';
export { InstagramAccountDirectory } from './instagram-account-directory.service';
export type { ConnectedAccount } from './instagram-account-directory.service';
export { RelayError } from './errors';
export { EchoEvidenceService } from './echo-evidence.service';
export {
  ConnectionSignals,
  accountHolder,
  heldFor,
  holderOf,
  installationHolder,
} from './connection-signals.service';
export type { Holder } from './connection-signals.service';
export {
  FACEBOOK_LOGIN_SCOPES,
  REQUIRED_FACEBOOK_SCOPES,
  PAGE_SUBSCRIBED_FIELDS,
  INSTAGRAM_LOGIN_SCOPES,
  INSTAGRAM_SUBSCRIBED_FIELDS,
  REQUIRED_INSTAGRAM_SCOPES,
} from './instagram-connect.constants';
export {
  instagramAccessProblemOf,
  probeInstagramMessaging,
  MESSAGING_NOT_AVAILABLE_CODE,
  MESSAGING_NOT_ALLOWED_REASON,
  TOKEN_EXPIRED_REASON,
} from './instagram-access-problem.util';
export type {
  InstagramAccessProblem,
  InstagramAccessProblemKind,
  MessagingProbeOptions,
} from './instagram-access-problem.util';
