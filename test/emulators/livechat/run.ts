/**
 * Standalone LiveChat emulator: `PORT=4010 npx ts-node test/emulators/livechat/run.ts`.
 * Env: PORT, HOST, LIVECHAT_CLIENT_ID, LIVECHAT_CLIENT_SECRET, PUBLIC_URL, AUTO_APPROVE=1,
 * SEED_ORGANIZATION=1 (creates one organization and prints its ids and tokens).
 */
import { startLiveChatEmulator } from './livechat.emulator';

async function main(): Promise<void> {
  const lc = await startLiveChatEmulator({
    port: Number(process.env.PORT ?? 4010),
    host: process.env.HOST ?? '0.0.0.0',
    clientId: process.env.LIVECHAT_CLIENT_ID,
    clientSecret: process.env.LIVECHAT_CLIENT_SECRET,
    publicUrl: process.env.PUBLIC_URL,
    autoApprove: process.env.AUTO_APPROVE === '1',
  });
  process.stdout.write(`LiveChat emulator listening on ${lc.url}\n`);
  if (process.env.SEED_ORGANIZATION === '1') {
    process.stdout.write(`${JSON.stringify(lc.state.createOrganization(), null, 2)}\n`);
  }
  const stop = (): void => {
    void lc.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
