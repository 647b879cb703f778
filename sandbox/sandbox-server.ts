import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SANDBOX_ADMIN, SandboxStack } from './sandbox-stack';

type HopState = 'ok' | 'pending' | 'failed' | 'info';
interface Hop {
  label: string;
  state: HopState;
  detail?: string;
}

interface CustomerEntry {
  mid: string;
  kind: 'text' | 'image' | 'reaction' | 'delete';
  text?: string;
  at: number;
  webhookStatus?: number;
  delivery?: Parameters<SandboxStack['meta']['redeliver']>[0];
}

interface AgentEntry {
  eventId: string;
  kind: 'text' | 'file' | 'note';
  at: number;
  webhookStatus?: number | string;
}

const PAGE = readFileSync(join(__dirname, 'sandbox-page.html'), 'utf8');

/**
 * The sandbox's page and its small API: the left pane plays the Instagram customer (through the
 * Meta emulator, which signs and sends real webhooks), the right pane the LiveChat agent
 * (through the LiveChat emulator, which sends real chat webhooks). Everything crosses the real
 * gateway, queues and workers; the page shows each hop.
 */
export class SandboxServer {
  private server?: Server;
  private readonly customerLog: CustomerEntry[] = [];
  private readonly agentLog: AgentEntry[] = [];
  private readonly notes: string[] = [];
  private uninstalledAt?: number;

  constructor(private readonly stack: SandboxStack) {}

  private get ig(): string {
    return this.stack.business.igAccount.id;
  }

  private get igsid(): string {
    return this.stack.business.customer.igsid;
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/') {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(PAGE);
        return;
      }
      if (req.method === 'GET' && path === '/api/state') {
        return this.json(res, 200, await this.state());
      }
      if (req.method === 'POST') {
        const body = await this.body(req);
        const result = await this.action(path, body);
        return this.json(res, result ? 200 : 404, result ?? { error: 'unknown action' });
      }
      this.json(res, 404, { error: 'not found' });
    } catch (error) {
      this.json(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }

  private async body(req: IncomingMessage): Promise<Record<string, string>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, string>) : {};
  }

  private chatId(): string | undefined {
    const chats = this.stack.livechat.state.chats(this.stack.org.organizationId);
    return chats[chats.length - 1]?.id;
  }

  private async action(path: string, body: Record<string, string>): Promise<unknown> {
    const { meta, livechat } = this.stack;
    switch (path) {
      case '/api/customer/text': {
        const sent = await meta.customerSends({
          igAccountId: this.ig,
          igsid: this.igsid,
          text: body.text || '(empty)',
        });
        this.customerLog.push({
          mid: sent.mid!,
          kind: 'text',
          text: body.text,
          at: Date.now(),
          webhookStatus: sent.delivery.status,
          delivery: sent.delivery,
        });
        return { mid: sent.mid };
      }
      case '/api/customer/image': {
        const sent = await meta.customerSends({
          igAccountId: this.ig,
          igsid: this.igsid,
          message: { attachments: [{ type: 'image' }] },
        });
        this.customerLog.push({
          mid: sent.mid!,
          kind: 'image',
          at: Date.now(),
          webhookStatus: sent.delivery.status,
          delivery: sent.delivery,
        });
        return { mid: sent.mid };
      }
      case '/api/customer/react': {
        const sent = await meta.customerReacts({
          igAccountId: this.ig,
          igsid: this.igsid,
          mid: body.mid,
          action: 'react',
          reaction: 'love',
          emoji: '❤️',
        });
        this.customerLog.push({
          mid: `react:${body.mid}:${Date.now()}`,
          kind: 'reaction',
          text: '❤️',
          at: Date.now(),
          webhookStatus: sent.delivery.status,
          delivery: sent.delivery,
        });
        return { ok: true };
      }
      case '/api/customer/delete': {
        const sent = await meta.customerDeletes({
          igAccountId: this.ig,
          igsid: this.igsid,
          mid: body.mid,
        });
        const entry = this.customerLog.find((e) => e.mid === body.mid);
        this.notes.push(
          `The customer unsent “${entry?.text ?? 'a message'}”: Meta → gateway ${String(sent.delivery.status)}; the cleanup worker removes it from LiveChat.`,
        );
        return { ok: true };
      }
      case '/api/agent/text':
      case '/api/agent/note':
      case '/api/agent/file': {
        const chatId = this.chatId();
        if (!chatId) {
          return { error: 'the customer has not written yet: there is no chat to answer in' };
        }
        const result =
          path === '/api/agent/file'
            ? await livechat.agentSendsFile(chatId, {
                name: 'price-list.pdf',
                contentType: 'application/pdf',
                data: Buffer.from('%PDF-1.4\n% sandbox price list\n'),
              })
            : path === '/api/agent/note'
              ? await livechat.agentSendsInternalNote(chatId, { text: body.text || '(note)' })
              : await livechat.agentSendsMessage(chatId, {
                  text: body.text || '(empty)',
                  resumeIfInactive: true,
                });
        const delivery = result.deliveries.find((d) => d.url.endsWith('/webhooks/livechat'));
        this.agentLog.push({
          eventId: result.event.id,
          kind: path === '/api/agent/file' ? 'file' : path === '/api/agent/note' ? 'note' : 'text',
          at: Date.now(),
          webhookStatus: delivery?.status,
        });
        return { eventId: result.event.id };
      }
      case '/api/sim/window': {
        const at = new Date(Date.now() - 25 * 3_600_000);
        await this.stack.sql('UPDATE conversations SET last_inbound_at = $1 WHERE igsid = $2', [
          at,
          this.igsid,
        ]);
        meta.state.setLastCustomerMessageAt(this.ig, this.igsid, at);
        this.notes.push(
          'Time travel: the customer last wrote 25 hours ago. Replies now need the Human Agent tag (settings), or they are refused with an explanation in the chat.',
        );
        return { ok: true };
      }
      case '/api/sim/redeliver': {
        const last = [...this.customerLog].reverse().find((e) => e.delivery);
        if (!last?.delivery) {
          return { error: 'nothing to redeliver yet' };
        }
        const again = await meta.redeliver(last.delivery);
        this.notes.push(
          `Meta redelivered the last webhook (gateway answered ${String(again.status)}): it must not appear twice in LiveChat.`,
        );
        return { ok: true };
      }
      case '/api/sim/livechat-429': {
        livechat.faults.inject({
          route: 'send_event',
          status: 429,
          retryAfterSeconds: 2,
          times: 4,
        });
        this.notes.push(
          'LiveChat answers 429 to the next 4 send_event calls: messages wait and retry, in order.',
        );
        return { ok: true };
      }
      case '/api/sim/uninstall': {
        livechat.state.revokeOrganizationTokens(this.stack.org.organizationId);
        const delivery = await livechat.deliverAppWebhook(
          `${this.stack.gatewayUrl}/webhooks/livechat/app?token=${encodeURIComponent(this.stack.vars.LIVECHAT_APP_WEBHOOK_TOKEN)}`,
          {
            event: 'application_uninstalled',
            organizationId: this.stack.org.organizationId,
            licenseId: this.stack.org.licenseId,
          },
        );
        this.uninstalledAt = Date.now();
        this.notes.push(
          `Uninstalled (app webhook answered ${String(delivery.status)}): relaying stops now, tokens and subscriptions are revoked, the data is purged after ${this.stack.vars.PURGE_DELAY_SECONDS} s.`,
        );
        return { ok: true };
      }
      default:
        return undefined;
    }
  }

  private async state(): Promise<unknown> {
    const { meta, livechat, business } = this.stack;
    const chatId = this.chatId();
    const events = chatId
      ? livechat.state
          .chats(this.stack.org.organizationId)
          .flatMap((chat) => livechat.state.events(chat.id, { includeDeleted: true }))
      : [];
    const customerId = events.find((e) => e.customId?.startsWith('ig:'))?.authorId;
    const sent = meta.state.sentTo(this.ig, this.igsid).filter((m) => m.kind !== 'sender_action');

    const instagram = [
      ...this.customerLog
        .filter((e) => e.kind !== 'reaction')
        .map((e) => {
          const inLiveChat = events.find(
            (ev) => ev.customId === `ig:m:${e.mid}` || ev.customId?.startsWith(`ig:m:${e.mid}#`),
          );
          const hops: Hop[] = [
            {
              label: 'Meta → gateway',
              state: e.webhookStatus === 200 ? 'ok' : 'failed',
              detail: String(e.webhookStatus ?? '…'),
            },
            {
              label: 'in LiveChat',
              state: inLiveChat ? (inLiveChat.deleted ? 'info' : 'ok') : 'pending',
              detail: inLiveChat?.deleted ? 'deleted' : undefined,
            },
          ];
          return {
            from: 'customer',
            mid: e.mid,
            text: e.kind === 'image' ? '📷 photo' : e.text,
            at: e.at,
            hops,
          };
        }),
      ...sent.map((m) => ({
        from: 'business',
        mid: m.mid,
        text: m.text ?? (m.attachment ? `📎 ${m.attachment.type}` : ''),
        at: m.at,
        hops: [{ label: m.tag ? `sent (${m.tag})` : 'sent', state: 'ok' }],
      })),
    ].sort((a, b) => a.at - b.at);

    const agentHops = (eventId: string, kind: AgentEntry['kind']): Hop[] => {
      const entry = this.agentLog.find((a) => a.eventId === eventId);
      if (!entry) {
        return [];
      }
      if (kind === 'note') {
        return [{ label: 'internal: stays in LiveChat', state: 'info' }];
      }
      const notice = events.find((ev) => ev.customId?.startsWith(`igl-notice:${eventId}:`));
      const delivered = sent.some((m) => m.at >= entry.at - 50);
      return [
        {
          label: 'LiveChat → gateway',
          state: entry.webhookStatus === 200 ? 'ok' : 'failed',
          detail: String(entry.webhookStatus ?? '…'),
        },
        notice
          ? { label: 'not delivered', state: 'failed' }
          : { label: 'on Instagram', state: delivered ? 'ok' : 'pending' },
      ];
    };

    const livechatEvents = events.map((e) => ({
      id: e.id,
      type: e.type,
      author: !e.authorId ? 'system' : e.authorId === customerId ? 'customer' : 'agent',
      text: e.type === 'file' ? `📎 ${e.name ?? 'file'}` : e.text,
      url: e.url,
      internal: e.visibility === 'agents',
      notice: e.customId?.startsWith('igl-notice:') ?? false,
      deleted: e.deleted,
      at: Date.parse(e.createdAt),
      hops: agentHops(e.id, this.agentLog.find((a) => a.eventId === e.id)?.kind ?? 'text'),
    }));

    const revocations = {
      subscription:
        meta.callsTo('DELETE', `/${business.igAccount.id}/subscribed_apps`, 'graph.instagram.com')
          .length > 0,
      permissions: meta.calls.some(
        (c) => c.method === 'DELETE' && c.route.endsWith('/permissions'),
      ),
      livechatTokens: livechat.callsTo('revoke_token').length > 0,
    };
    const installationRows = await this.stack.sql<{ n: string }>(
      'SELECT count(*) AS n FROM installations',
    );
    return {
      business: {
        username: business.igAccount.username,
        connectedAs: 'Instagram professional account',
      },
      customer: { name: business.customer.name, username: business.customer.username },
      instagram,
      livechat: { chatId, events: livechatEvents },
      notes: this.notes.slice(-6),
      bullBoard: { url: `${this.stack.gatewayUrl}/admin/queues`, ...SANDBOX_ADMIN },
      settingsUrl: `${this.stack.gatewayUrl}/app`,
      uninstall: this.uninstalledAt
        ? { at: this.uninstalledAt, revocations, purged: Number(installationRows[0]?.n ?? 0) === 0 }
        : undefined,
    };
  }
}
