import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Patch,
  Put,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { MetaGraphClient } from '@app/meta-graph';
import { InstallationEntity, InstallationRepository } from '@app/persistence';
import { GatewayEnv } from '../config/gateway.env';
import { Admin, AdminAuthGuard, AdminContext } from './admin-auth.guard';
import { InstagramAccountsService } from './instagram-accounts.service';
import { LiveChatGroupsService } from './livechat-groups.service';
import { AccountView, SettingsView, UpdateAccountDto, UpdateSettingsDto } from './settings.dto';

export const STRICT_BODY = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
});

/** The settings page's API. Every call carries the admin's LiveChat token (AdminAuthGuard). */
@Controller('api')
@UseGuards(AdminAuthGuard)
export class SettingsApiController {
  constructor(
    private readonly installations: InstallationRepository,
    private readonly accounts: InstagramAccountsService,
    private readonly groups: LiveChatGroupsService,
    private readonly env: GatewayEnv,
    private readonly graph: MetaGraphClient,
  ) {}

  @Get('settings')
  @Header('cache-control', 'no-store')
  settings(@Admin() admin: AdminContext): SettingsView {
    return this.view(admin.installation);
  }

  @Put('settings')
  @Header('cache-control', 'no-store')
  async update(
    @Admin() admin: AdminContext,
    @Body(STRICT_BODY) body: UpdateSettingsDto,
  ): Promise<SettingsView> {
    const changes: { humanAgentEnabled?: boolean } = {};
    if (body.humanAgentEnabled !== undefined) {
      changes.humanAgentEnabled = body.humanAgentEnabled;
    }
    if (Object.keys(changes).length > 0) {
      await this.installations.updateSettings(admin.installation.id, changes);
    }
    const fresh = await this.installations.findById(admin.installation.id);
    return this.view(fresh ?? admin.installation);
  }

  @Get('instagram/accounts')
  @Header('cache-control', 'no-store')
  async list(@Admin() admin: AdminContext): Promise<{ accounts: AccountView[] }> {
    return { accounts: await this.accounts.list(admin.installation.id) };
  }

  @Get('livechat/groups')
  @Header('cache-control', 'no-store')
  async listGroups(
    @Admin() admin: AdminContext,
  ): Promise<{ groups: Array<{ id: number; name: string }> }> {
    const groups = await this.groups.list(admin.token);
    return { groups: groups.map(({ id, name }) => ({ id, name })) };
  }

  /** The account's LiveChat group; 400 naming the group when LiveChat does not know it. */
  @Patch('instagram/accounts/:id')
  @Header('cache-control', 'no-store')
  async updateAccount(
    @Admin() admin: AdminContext,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(STRICT_BODY) body: UpdateAccountDto,
  ): Promise<{ account: AccountView }> {
    return {
      account: await this.groups.choose(
        admin.installation.id,
        admin.token,
        id,
        body.livechatGroupId,
      ),
    };
  }

  @Delete('instagram/accounts/:id')
  @Header('cache-control', 'no-store')
  async disconnect(
    @Admin() admin: AdminContext,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<{ account: AccountView }> {
    return { account: await this.accounts.disconnect(admin.installation.id, id) };
  }

  private view(installation: InstallationEntity): SettingsView {
    return {
      organizationId: installation.organizationId,
      licenseId: installation.licenseId === null ? null : Number(installation.licenseId),
      status: installation.status,
      humanAgentEnabled: installation.humanAgentEnabled,
      purgeDelaySeconds: this.env.PURGE_DELAY_SECONDS,
      instagramLoginAvailable: this.graph.instagramLoginAvailable(),
    };
  }
}
