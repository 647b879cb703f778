/**
 * Standalone Meta emulator: `PORT=4010 npx ts-node test/emulators/meta/run.ts`.
 * Env: PORT, HOST, META_APP_ID, META_APP_SECRET, META_INSTAGRAM_APP_ID, META_INSTAGRAM_APP_SECRET,
 * META_GRAPH_VERSION, WEBHOOK_URL, SEED=1 (one connected business; SEED=instagram: one Page-less
 * account connected with Instagram Login), LOGIN=auto-continue|auto-cancel|prompt (both dialogs).
 * Control API under /_emulator/.
 */
import { startMetaEmulator } from './meta-emulator';

async function main(): Promise<void> {
  const meta = await startMetaEmulator({
    port: Number(process.env.PORT ?? 4010),
    host: process.env.HOST ?? '127.0.0.1',
    appId: process.env.META_APP_ID,
    appSecret: process.env.META_APP_SECRET,
    instagramAppId: process.env.META_INSTAGRAM_APP_ID,
    instagramAppSecret: process.env.META_INSTAGRAM_APP_SECRET,
    graphVersion: process.env.META_GRAPH_VERSION,
    webhookUrl: process.env.WEBHOOK_URL,
    humanAgent: process.env.HUMAN_AGENT === '1',
  });
  const login = process.env.LOGIN;
  if (login === 'auto-continue' || login === 'auto-cancel' || login === 'prompt') {
    meta.state.setLoginBehavior({ mode: login });
    meta.state.setInstagramLoginBehavior({ mode: login });
  }
  process.stdout.write(`meta emulator listening on ${meta.url} (graph ${meta.graphVersion})\n`);
  process.stdout.write(
    `instagram login: INSTAGRAM_OAUTH_URL=${meta.instagramOauthUrl} INSTAGRAM_API_URL=${meta.instagramApiUrl} INSTAGRAM_GRAPH_URL=${meta.instagramGraphUrl}\n`,
  );
  if (process.env.SEED === 'instagram') {
    const seeded = meta.state.seedInstagramLoginBusiness();
    process.stdout.write(
      `seeded instagram ${seeded.igAccount.id} (Instagram Login) / customer ${seeded.customer.igsid}\n`,
    );
  }
  if (process.env.SEED === '1') {
    const seeded = meta.state.seedBusiness();
    process.stdout.write(
      `seeded page ${seeded.page.id} / instagram ${seeded.igAccount.id} / customer ${seeded.customer.igsid}\n`,
    );
  }
  const stop = () => {
    void meta.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `meta emulator failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
