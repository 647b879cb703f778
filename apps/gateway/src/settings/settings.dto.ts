import {
  Equals,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import {
  AccountHealthState,
  InstagramAccountStatus,
  InstallationStatus,
  LoginPath,
} from '@app/persistence';

/** `PUT /api/settings`. */
export class UpdateSettingsDto {
  /** Retired: each Instagram account has its own group. Named here only to say where it went. */
  @ValidateIf((o: UpdateSettingsDto) => o.livechatGroupId !== undefined)
  @Equals(undefined, {
    message:
      'livechatGroupId is set per Instagram account now: PATCH /api/instagram/accounts/:id with { "livechatGroupId": n }.',
  })
  livechatGroupId?: unknown;

  /** Replies 24 h–7 days after the customer's last message use the HUMAN_AGENT tag. */
  @IsOptional()
  @IsBoolean()
  humanAgentEnabled?: boolean;
}

/** `PATCH /api/instagram/accounts/:id`: the account's LiveChat group (checked with LiveChat). */
export class UpdateAccountDto {
  /** A group id of the license (`GET /api/livechat/groups`); 0 is the General group. */
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  livechatGroupId!: number;
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
  /** LiveChat group this account's new chats go to. */
  livechatGroupId: number;
  /**
   * Why new chats go to the General group instead (the chosen group was deleted in LiveChat), or
   * null when routing works as chosen.
   */
  livechatGroupProblem: string | null;
  /** ISO time of the last message relayed in either direction, or null. */
  lastRelayedAt: string | null;
  connectedAt: string;
  /** What the connection watchdog found (see docs/operations.md, "Connection watchdog"). */
  health: AccountHealthView;
}

export interface AccountHealthView {
  /**
   * `working`; `repaired`: the watchdog fixed something itself (shown for a day); `needs_you`: only
   * the admin can fix it (`problem` says how); `unchecked`: not checked since it was connected.
   */
  state: AccountHealthState | 'unchecked';
  /** ISO time of the last check, or null. */
  checkedAt: string | null;
  /** What the admin must do, while `state` is `needs_you`; else null. */
  problem: string | null;
  /** The last problem found and when (kept after it was solved). */
  lastProblem: string | null;
  lastProblemAt: string | null;
  /** What the watchdog last repaired by itself and when. */
  repair: string | null;
  repairedAt: string | null;
}
