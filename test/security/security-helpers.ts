import { createServer, Socket } from 'node:net';

/** A free loopback TCP port (for a gateway spawned as a process of its own). */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * POSTs `body` over a socket of its own (with its Content-Length, or chunked when `chunked`) in
 * 64 KiB pieces, as fast as the socket takes them, and resolves with the final status the server
 * answered. A server that answers before reading the whole body (as it should over the limit)
 * stops the upload: nothing more is sent, and a write error after the answer does not count.
 * With a Content-Length the upload asks first (`Expect: 100-continue`, as curl does for large
 * bodies) and starts on the server's 100 Continue: a server that refuses the size answers before
 * any body byte is on the wire (otherwise its close, with our bytes unread, resets the connection
 * and can swallow its own answer).
 */
export function postStatus(
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
  options: { chunked?: boolean } = {},
): Promise<number> {
  const target = new URL(url);
  return new Promise<number>((resolve, reject) => {
    let received = '';
    let status: number | undefined;
    let uploading = false;
    const socket = new Socket();
    const head = [
      `POST ${target.pathname}${target.search} HTTP/1.1`,
      `Host: ${target.host}`,
      'Content-Type: application/json',
      ...(options.chunked
        ? ['Transfer-Encoding: chunked']
        : [`Content-Length: ${body.length}`, 'Expect: 100-continue']),
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    const PIECE = 64 * 1024;
    let offset = 0;
    const frame = (piece: Buffer): Buffer =>
      options.chunked
        ? Buffer.concat([
            Buffer.from(`${piece.length.toString(16)}\r\n`),
            piece,
            Buffer.from('\r\n'),
          ])
        : piece;
    const more = (): void => {
      while (status === undefined && !socket.destroyed && offset < body.length) {
        const piece = body.subarray(offset, offset + PIECE);
        offset += piece.length;
        if (!socket.write(frame(piece))) {
          socket.once('drain', more);
          return;
        }
      }
      if (status === undefined && !socket.destroyed && options.chunked) {
        socket.write('0\r\n\r\n');
      }
    };
    const finalStatus = (): number | undefined => {
      for (const match of received.matchAll(/HTTP\/1\.1 (\d{3})/g)) {
        if (match[1] !== '100') {
          return Number(match[1]);
        }
      }
      return undefined;
    };
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      status ??= finalStatus();
      if (status !== undefined) {
        resolve(status);
        socket.destroy();
        return;
      }
      if (!uploading && received.includes('HTTP/1.1 100')) {
        uploading = true;
        setImmediate(more);
      }
    });
    // A reset while uploading (the server refused and closed) is no failure if it answered.
    socket.on('error', (error) => (failure ??= error));
    socket.on('close', () => {
      status ??= finalStatus();
      if (status !== undefined) {
        resolve(status);
      } else {
        reject(failure ?? new Error(`closed without an answer: ${received.slice(0, 200)}`));
      }
    });
    socket.connect(Number(target.port), target.hostname, () => {
      socket.write(head);
      if (options.chunked) {
        uploading = true;
        more();
      }
    });
  });
}

/** A socket the test writes to by hand, which records whether and how the server closed it. */
export interface RawClient {
  socket: Socket;
  received(): string;
  closed(): boolean;
}

export function rawClient(port: number): Promise<RawClient> {
  return new Promise<RawClient>((resolve, reject) => {
    let data = '';
    let closed = false;
    const socket = new Socket();
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    socket.once('connect', () => resolve({ socket, received: () => data, closed: () => closed }));
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1');
  });
}

/** `{"a":[{},{},…]}` of about `bytes` bytes: cheap to send, expensive to parse. */
export function manyEmptyObjects(bytes: number): Buffer {
  const count = Math.floor((bytes - 8) / 3);
  return Buffer.from(`{"a":[${'{},'.repeat(count - 1)}{}]}`, 'utf8');
}
