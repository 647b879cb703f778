import { Module } from '@nestjs/common';
import { AdminAuthModule } from './admin-auth.module';
import { InstagramAccountsService } from './instagram-accounts.service';
import { LiveChatGroupsService } from './livechat-groups.service';
import { SettingsApiController } from './settings-api.controller';
import { SettingsPageController } from './settings-page.controller';

/** The settings page (`/app`) and its API (`/api/settings`, `/api/instagram/accounts`, `/api/livechat/groups`). */
@Module({
  imports: [AdminAuthModule],
  controllers: [SettingsPageController, SettingsApiController],
  providers: [InstagramAccountsService, LiveChatGroupsService],
})
export class SettingsModule {}
