import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger, loadEnv } from '@app/platform';
import { GatewayEnv } from '../../apps/gateway/src/config/gateway.env';
import { createGateway } from '../../apps/gateway/src/create-gateway';

export interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
  env: Readonly<GatewayEnv>;
  close(): Promise<void>;
}

/** The real gateway app on a free loopback port. */
export async function startGateway(
  vars: Record<string, string>,
  options: { logs?: boolean } = {},
): Promise<RunningGateway> {
  const env = loadEnv(GatewayEnv, vars);
  const app = await createGateway(env, {
    logger: options.logs ? new JsonLogger('gateway', env.LOG_LEVEL) : false,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') {
    throw new Error('gateway did not bind a TCP port');
  }
  return {
    app,
    env,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}
