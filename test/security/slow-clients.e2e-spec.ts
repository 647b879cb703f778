import { RunningGateway, startGateway } from '../support/gateway-harness';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';
import { waitFor } from '../support/wait-for';
import { RawClient, rawClient } from './security-helpers';

describe('attack: slow clients holding sockets', () => {
  let db: TestDatabase;
  let gateway: RunningGateway;
  let port: number;
  const clients: RawClient[] = [];
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await startGateway(
      baseTestEnv({
        DATABASE_URL: db.url,
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
      }),
    );
    port = Number(new URL(gateway.url).port);
  });

  afterAll(async () => {
    timers.forEach(clearInterval);
    clients.forEach((c) => c.socket.destroy());
    await gateway?.close();
    await db?.drop();
    await deleteKeysWithPrefix(gateway?.env.REDIS_KEY_PREFIX ?? 'none');
  });

  /** Writes `piece` every 250 ms, for as long as the server keeps the socket. */
  function trickle(client: RawClient, piece: string): void {
    const timer = setInterval(() => {
      if (client.closed()) {
        clearInterval(timer);
        return;
      }
      client.socket.write(piece);
    }, 250);
    timers.push(timer);
  }

  async function connect(): Promise<RawClient> {
    const client = await rawClient(port);
    clients.push(client);
    return client;
  }

  it('closes a request whose body trickles in, with 408', async () => {
    const client = await connect();
    client.socket.write(
      'POST /webhooks/livechat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    );
    trickle(client, ' ');
    await waitFor('the server to close the slow request', () => client.closed(), 30_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a request whose headers trickle in', async () => {
    const client = await connect();
    client.socket.write('POST /webhooks/livechat HTTP/1.1\r\nHost: x\r\n');
    trickle(client, 'X-Slow: 1\r\n');
    await waitFor('the server to close the slow headers', () => client.closed(), 30_000);
    expect(client.received()).not.toMatch(/^HTTP\/1\.1 2/);
  });

  it('closes an idle keep-alive connection', async () => {
    const client = await connect();
    client.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('the answer', () => client.received().includes('"status":"ok"'));
    await waitFor('the server to close the idle connection', () => client.closed(), 30_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('still serves everyone else meanwhile', async () => {
    const slow = await connect();
    slow.socket.write('POST /webhooks/livechat HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n');
    trickle(slow, ' ');
    const res = await fetch(`${gateway.url}/health/live`);
    expect(res.status).toBe(200);
    await waitFor('the slow one to be closed', () => slow.closed(), 30_000);
  });
});
