import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { InstagramAccountStatus, InstallationStatus, LoginPath } from '@app/persistence';

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

/** `POST /api/instagram/connect`: which login, and how the settings page will show its dialog. */
export class ConnectRequestDto {
  /** Facebook Login (default) or Instagram Login. */
  @IsOptional()
  @IsIn(['facebook', 'instagram'])
  login?: 'facebook' | 'instagram';

  /** `popup` when the page runs inside LiveChat (Facebook cannot be framed); default `page`. */
  @IsOptional()
  @IsIn(['page', 'popup'])
  display?: 'page' | 'popup';
}

/** `POST /api/instagram/connect/complete`: the callback's handle, and the Page chosen if asked. */
export class CompleteConnectDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{32}$/, { message: 'handle must be the handle the callback page gave' })
  handle!: string;

  @IsOptional()
  @IsString()
  @Matches(/^\d{1,32}$/, { message: 'pageId must be one of the Page ids offered' })
  pageId?: string;
}

/** One Page the admin may choose (`{ choose: [...] }`). */
export interface PageChoiceView {
  pageId: string;
  /** The Facebook Page's name. */
  name: string;
  /** The Instagram account's username. */
  username: string | null;
  instagramName: string | null;
  avatarUrl: string | null;
  /** `taken`: connected to another organization (cannot be chosen); `connected-here`: a refresh. */
  state: 'available' | 'connected-here' | 'taken';
}

export interface SettingsView {
  organizationId: string;
  licenseId: number | null;
  status: InstallationStatus;
  livechatGroupId: number;
  humanAgentEnabled: boolean;
  /** Disconnected accounts' data is deleted this long after the disconnect. */
  purgeDelaySeconds: number;
  /** Connecting with Instagram Login is configured (META_INSTAGRAM_APP_ID/SECRET). */
  instagramLoginAvailable: boolean;
}

export interface AccountView {
  id: string;
  instagramAccountId: string;
  username: string | null;
  name: string | null;
  avatarUrl: string | null;
  pageId: string;
  pageName: string | null;
  /** `facebook`: through its Facebook Page; `instagram`: Instagram Login (no Page). */
  loginPath: LoginPath;
  /** ISO time its token expires (Instagram Login), or null. */
  tokenExpiresAt: string | null;
  status: InstagramAccountStatus;
  statusReason: string | null;
  /** ISO time of the last message relayed in either direction, or null. */
  lastRelayedAt: string | null;
  connectedAt: string;
}
