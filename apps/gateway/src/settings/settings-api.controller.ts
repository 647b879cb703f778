import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Put,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { MetaGraphClient } from '@app/meta-graph';
import { InstallationEntity, InstallationRepository } from '@app/persistence';
import { GatewayEnv } from '../config/gateway.env';
import { Admin, AdminAuthGuard, AdminContext } from './admin-auth.guard';
import { InstagramAccountsService } from './instagram-accounts.service';
import { AccountView, SettingsView, UpdateSettingsDto } from './settings.dto';

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
    const changes: { livechatGroupId?: number; humanAgentEnabled?: boolean } = {};
    if (body.livechatGroupId !== undefined) {
      changes.livechatGroupId = body.livechatGroupId;
    }
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
      livechatGroupId: installation.livechatGroupId,
      humanAgentEnabled: installation.humanAgentEnabled,
      purgeDelaySeconds: this.env.PURGE_DELAY_SECONDS,
      instagramLoginAvailable: this.graph.instagramLoginAvailable(),
    };
  }
}
