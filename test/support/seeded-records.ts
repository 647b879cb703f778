import type { InstagramAccountRepository, InstallationRepository } from '@app/persistence';
import type { OrganizationHandle } from '../emulators/livechat';
import type { SeededBusiness } from '../emulators/meta';

type Grant = Parameters<InstallationRepository['upsertGrant']>[0];
type Connection = Parameters<InstagramAccountRepository['connect']>[0];

/** What the install flow stores for an emulated LiveChat organization's grant. */
export function grantOf(org: OrganizationHandle): Grant {
  return {
    organizationId: org.organizationId,
    accountId: org.accountId,
    accessToken: org.accessToken,
    refreshToken: org.refreshToken,
    expiresAt: new Date(Date.now() + org.expiresIn * 1000),
    scopes: org.scopes.join(','),
  };
}

/** What the connect flow stores for an emulated Meta business (its Page token unless given). */
export function connectionOf(
  installationId: string,
  meta: SeededBusiness,
  pageToken = meta.pageToken,
): Connection {
  return {
    installationId,
    pageId: meta.page.id,
    instagramAccountId: meta.igAccount.id,
    pageToken,
    username: meta.igAccount.username ?? null,
    name: meta.igAccount.name ?? null,
    pageName: meta.page.name ?? null,
    avatarUrl: null,
    connectedByUserId: meta.user.id,
  };
}
