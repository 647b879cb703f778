/**
 * What connecting an Instagram account asks of Meta, in one place: the connect flow requests and
 * checks these, and anything that repairs a connection later (token health) re-subscribes with
 * the same field list. Source: meta-instagram-api.md §5.1.
 */

/** Facebook Login permissions the connect flow requests (Chatwoot's set). */
export const FACEBOOK_LOGIN_SCOPES: readonly string[] = [
  'instagram_basic',
  'instagram_manage_messages',
  'pages_manage_metadata',
  'pages_show_list',
  'pages_messaging',
  'pages_read_engagement',
  'business_management',
];

/**
 * Permissions the product cannot work without, each with what it is for (shown to the admin when
 * one was not granted). `business_management` is requested but not required: only Pages owned
 * through a Business Manager need it, and those simply do not show up without it.
 */
export const REQUIRED_FACEBOOK_SCOPES: Readonly<Record<string, string>> = {
  instagram_basic: 'see the Instagram account linked to your Facebook Page',
  instagram_manage_messages: 'receive and answer Instagram Direct Messages',
  pages_manage_metadata: 'subscribe your Page to Instagram message notifications',
  pages_show_list: 'list the Facebook Pages you manage',
  pages_messaging: 'send images and files in replies',
  pages_read_engagement: 'show the name and picture of the people who write to you',
};

/** Page webhook fields (`POST /{page-id}/subscribed_apps?subscribed_fields=…`). */
export const PAGE_SUBSCRIBED_FIELDS: readonly string[] = [
  'messages',
  'messaging_postbacks',
  'message_reactions',
  'messaging_seen',
  'messaging_referral',
];

/** What each Instagram Login permission is for (shown when one was not granted). */
export const REQUIRED_INSTAGRAM_SCOPES: Readonly<Record<string, string>> = {
  instagram_business_basic: 'see your Instagram account, its username and picture',
  instagram_business_manage_messages: 'receive and answer Instagram Direct Messages',
};

/** Instagram Login permissions (meta-instagram-api.md §5.2). */
export const INSTAGRAM_LOGIN_SCOPES: readonly string[] = [
  'instagram_business_basic',
  'instagram_business_manage_messages',
];

/** Instagram Login webhook fields (`POST /{ig-user-id}/subscribed_apps`), fields-table spelling. */
export const INSTAGRAM_SUBSCRIBED_FIELDS: readonly string[] = [
  'messages',
  'message_reactions',
  'messaging_seen',
  'messaging_postbacks',
  'messaging_referral',
];
