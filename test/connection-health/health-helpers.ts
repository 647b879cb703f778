import { DataSource } from 'typeorm';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

export function query<T>(world: World, sql: string, params: unknown[] = []): Promise<T[]> {
  return world.gateway.app.get(DataSource).query<T[]>(sql, params);
}

/** A customer of the business sends a DM; returns its mid (the gateway answered 200). */
export async function dm(
  world: World,
  biz: ConnectedBusiness,
  igsid: string,
  text: string,
  options: { force?: boolean } = {},
): Promise<string> {
  const sent = await world.meta.customerSends(
    { igAccountId: biz.meta.igAccount.id, igsid, text },
    options,
  );
  expect(sent.delivery.status).toBe(200);
  return sent.mid ?? '';
}

/** The LiveChat event an Instagram message became, wherever it landed (or undefined). */
export function eventOf(
  world: World,
  biz: ConnectedBusiness,
  mid: string,
): { chatId: string; customerId: string; authorId?: string; text?: string } | undefined {
  for (const chat of world.livechat.state.chats(biz.org.organizationId)) {
    const event = world.livechat.state.events(chat.id).find((e) => e.customId === `ig:m:${mid}`);
    if (event) {
      return {
        chatId: chat.id,
        customerId: chat.customerId,
        authorId: event.authorId,
        text: event.text,
      };
    }
  }
  return undefined;
}

/** Texts of the customer's messages (from Instagram) in LiveChat, in chat order, for one igsid. */
export function relayedTexts(world: World, biz: ConnectedBusiness, prefix: string): string[] {
  return world.livechat.state
    .chats(biz.org.organizationId)
    .flatMap((chat) => world.livechat.state.events(chat.id))
    .filter((e) => e.customId?.startsWith('ig:') && e.text?.startsWith(prefix))
    .map((e) => e.text ?? '');
}

/** Relays one DM and waits until LiveChat has it; returns where it landed. */
export async function relayed(
  world: World,
  biz: ConnectedBusiness,
  igsid: string,
  text: string,
): Promise<{ mid: string; chatId: string; customerId: string }> {
  const mid = await dm(world, biz, igsid, text);
  const found = await waitFor(`"${text}" in LiveChat`, () => eventOf(world, biz, mid));
  return { mid, chatId: found.chatId, customerId: found.customerId };
}

export async function installationStatus(world: World, installationId: string): Promise<string> {
  const [row] = await query<{ status: string }>(
    world,
    'SELECT status FROM installations WHERE id = $1',
    [installationId],
  );
  return row?.status ?? 'gone';
}

export async function accountStatus(world: World, accountId: string): Promise<string> {
  const [row] = await query<{ status: string }>(
    world,
    'SELECT status FROM instagram_accounts WHERE id = $1',
    [accountId],
  );
  return row?.status ?? 'gone';
}
