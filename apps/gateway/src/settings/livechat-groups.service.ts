import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigurationClient, isLiveChatApiError, LiveChatGroup } from '@app/livechat-sdk';
import { InstagramAccountRepository } from '@app/persistence';
import { accountView } from './instagram-accounts.service';
import { AccountView } from './settings.dto';

/**
 * The license's LiveChat groups, read from LiveChat with the admin's own token (never stored), and
 * choosing one per Instagram account: a group LiveChat does not know is refused at once, so no
 * chat ever fails for it.
 */
@Injectable()
export class LiveChatGroupsService {
  private readonly logger = new Logger(LiveChatGroupsService.name);

  constructor(
    private readonly configuration: ConfigurationClient,
    private readonly accounts: InstagramAccountRepository,
  ) {}

  async list(adminToken: string): Promise<LiveChatGroup[]> {
    try {
      return await this.configuration.listGroups(adminToken);
    } catch (error) {
      if (isLiveChatApiError(error) && error.kind === 'auth') {
        throw new UnauthorizedException('LiveChat does not accept your sign-in: sign in again.');
      }
      if (isLiveChatApiError(error) && error.vendorType === 'authorization') {
        throw new ForbiddenException(
          'LiveChat does not let the app read your groups (permission "groups--all:ro"): an administrator must authorize the app again.',
        );
      }
      this.logger.warn({ msg: 'LiveChat groups could not be read', error: String(error) });
      throw new ServiceUnavailableException(
        'LiveChat did not answer while reading your groups. Try again in a moment.',
      );
    }
  }

  async choose(
    installationId: string,
    adminToken: string,
    accountId: string,
    livechatGroupId: number,
  ): Promise<AccountView> {
    const account = await this.accounts.findForInstallation(installationId, accountId);
    if (!account) {
      throw new NotFoundException('No such Instagram account in your LiveChat organization.');
    }
    const groups = await this.list(adminToken);
    if (!groups.some((g) => g.id === livechatGroupId)) {
      const known = groups.map((g) => `${g.name} (${g.id})`).join(', ');
      throw new BadRequestException(
        `LiveChat group ${livechatGroupId} does not exist in your LiveChat license (it may have been deleted). Choose one of: ${known}.`.slice(
          0,
          1000,
        ),
      );
    }
    const saved = await this.accounts.setLivechatGroup(installationId, accountId, livechatGroupId);
    if (!saved) {
      throw new NotFoundException('No such Instagram account in your LiveChat organization.');
    }
    this.logger.log({
      msg: 'instagram account routed to a LiveChat group',
      installationId,
      accountId,
      livechatGroupId,
    });
    return accountView(saved);
  }
}
