import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { InstallationEntity, InstallationRepository } from '@app/persistence';
import { FastifyReply, FastifyRequest } from 'fastify';
import { REQUIRED_LIVECHAT_SCOPE } from '../install/install.service';
import { AdminFlowMetrics } from '../pages/admin-flow.metrics';
import { AdminTokenService } from './admin-token.service';

/** Who is calling the settings API: a LiveChat admin of the installation's organization. */
export interface AdminContext {
  installation: InstallationEntity;
  accountId: string;
  organizationId: string;
  /** The admin's own LiveChat token, for calls made on their behalf (reading the groups). */
  token: string;
}

type AdminRequest = FastifyRequest & { admin?: AdminContext };

/** `Bearer <LiveChat access token>`; LiveChat tokens look like `dal:…` (region prefix, base64url). */
const BEARER = /^Bearer ([A-Za-z0-9._~+/:=-]{8,4096})$/;

/**
 * The settings API's only authentication: the admin's LiveChat token, checked with LiveChat and
 * mapped to the installation of its organization. No session, no cookie: every request carries it.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: AdminTokenService,
    private readonly installations: InstallationRepository,
    private readonly flows: AdminFlowMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AdminRequest>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
    if (!match?.[1]) {
      this.flows.count('admin_auth', 'missing_token');
      void reply.header('www-authenticate', 'Bearer realm="livechat"');
      throw new UnauthorizedException(
        header
          ? 'Authorization must be "Bearer <LiveChat access token>".'
          : 'Sign in with LiveChat: send Authorization: Bearer <LiveChat access token>.',
      );
    }
    const check = await this.tokens.validate(match[1]);
    if (!check.ok) {
      this.flows.count(
        'admin_auth',
        check.status === 401 ? 'invalid_token' : 'livechat_unavailable',
      );
      if (check.status === 401) {
        void reply.header('www-authenticate', 'Bearer realm="livechat", error="invalid_token"');
        throw new UnauthorizedException(check.message);
      }
      throw new HttpException(check.message, check.status);
    }
    const { identity } = check;
    const installation = await this.installations.findByOrganization(identity.organizationId);
    if (!installation || installation.status === 'uninstalled') {
      this.flows.count('admin_auth', 'not_installed');
      throw new ForbiddenException(
        'The app is not installed for your LiveChat organization: an administrator can install it from the LiveChat Marketplace.',
      );
    }
    if (!identity.scopes.includes(REQUIRED_LIVECHAT_SCOPE)) {
      this.flows.count('admin_auth', 'not_admin');
      throw new ForbiddenException(
        'Only a LiveChat administrator can change these settings: sign in with an administrator account.',
      );
    }
    request.admin = {
      installation,
      accountId: identity.accountId,
      organizationId: identity.organizationId,
      token: match[1],
    };
    return true;
  }
}

/** The caller the guard authenticated. */
export const Admin = createParamDecorator((_: unknown, context: ExecutionContext): AdminContext => {
  const admin = context.switchToHttp().getRequest<AdminRequest>().admin;
  if (!admin) {
    throw new UnauthorizedException('not authenticated');
  }
  return admin;
});
