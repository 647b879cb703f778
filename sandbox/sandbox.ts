// `npm run sandbox`: the whole integration against the emulators, in a minute, with one URL.
// Decorator metadata must exist before any lib with decorated classes loads.
import 'reflect-metadata';
import { SandboxServer } from './sandbox-server';
import { startSandboxStack } from './sandbox-stack';

async function main(): Promise<void> {
  process.stdout.write(
    'Starting the sandbox (throwaway database and Redis prefix, emulators, gateway, workers)…\n',
  );
  const stack = await startSandboxStack({
    gatewayPort: process.env.SANDBOX_GATEWAY_PORT ? Number(process.env.SANDBOX_GATEWAY_PORT) : 0,
    logs: process.env.SANDBOX_LOGS === '1',
  });
  const server = new SandboxServer(stack);
  const url = await server.listen(
    process.env.SANDBOX_PORT ? Number(process.env.SANDBOX_PORT) : 4400,
  );
  process.stdout.write(
    `\n  Open ${url}\n\n  (Ctrl-C stops everything and removes the sandbox's data.)\n`,
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stdout.write('\nStopping the sandbox…\n');
    void server
      .close()
      .then(() => stack.close())
      .then(() => {
        process.stdout.write('Stopped; nothing of the sandbox is left in Postgres or Redis.\n');
        process.exit(0);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sandbox: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
