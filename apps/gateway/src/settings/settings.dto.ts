import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { InstagramAccountStatus, InstallationStatus } from '@app/persistence';

/** `PUT /api/settings`: either or both. */
export class UpdateSettingsDto {
  /** LiveChat group Instagram chats go to (0 is the "General" group every license has). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  livechatGroupId?: number;

  /** Replies 24 h–7 days after the customer's last message use the HUMAN_AGENT tag. */
  @IsOptional()
  @IsBoolean()
  humanAgentEnabled?: boolean;
}

/** `POST /api/instagram/connect`: how the settings page will show the Facebook dialog. */
export class ConnectRequestDto {
  /** `popup` when the page runs inside LiveChat (Facebook cannot be framed); default `page`. */
  @IsOptional()
  @IsIn(['page', 'popup'])
  display?: 'page' | 'popup';
}

export interface SettingsView {
  organizationId: string;
  licenseId: number | null;
  status: InstallationStatus;
  livechatGroupId: number;
  humanAgentEnabled: boolean;
  /** Disconnected accounts' data is deleted this long after the disconnect. */
  purgeDelaySeconds: number;
}

export interface AccountView {
  id: string;
  instagramAccountId: string;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
  pageId: string;
  pageName: string | null;
  status: InstagramAccountStatus;
  statusReason: string | null;
  /** ISO time of the last message relayed in either direction, or null. */
  lastRelayedAt: string | null;
  connectedAt: string;
}
