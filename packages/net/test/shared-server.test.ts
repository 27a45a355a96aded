import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ValidationError } from '@nlbd/core';
import { GCounter } from '@nlbd/crdts';
import { createSyncServer, requestToken, type SyncServer } from '@nlbd/net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Fixture, until } from './support.js';

const fixture = new Fixture();
const apps: { close(done: () => void): void }[] = [];
const syncs: SyncServer[] = [];
afterEach(async () => {
  await fixture.stop();
  await Promise.all(syncs.splice(0).map((sync) => sync.close()));
  await Promise.all(apps.splice(0).map((app) => new Promise<void>((resolve) => app.close(() => resolve()))));
});

/**
 * An application's HTTP server: answers requests with 'hello', echoes WebSocket messages on
 * `/echo` (its own upgrade handler), leaves `/sync` to the sync server while one listens, and
 * answers 404 to every other upgrade.
 */
function app(): Server {
  const server = createServer((_, res) => res.end('hello'));
  const echo = new WebSocketServer({ noServer: true });
  echo.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'ws://x').pathname;
    if (path === '/echo') echo.handleUpgrade(request, socket, head, (ws) => echo.emit('connection', ws));
    else if (path !== '/sync' || server.listenerCount('upgrade') === 1)
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('close', () => echo.close());
  apps.push(server);
  return server;
}

const listen = (server: Server) =>
  new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));

/** Opens a WebSocket on `url`; resolves with it open, or rejects with why it did not open. */
function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function echoes(url: string): Promise<string> {
  const ws = await open(url);
  const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
  ws.send('ping');
  const text = await reply;
  ws.close();
  return text;
}

const add =
  (n: number) =>
  (s: Map<string, number>, { replica }: { replica: string }) =>
    GCounter.increment(s, replica, n);

describe('a sync server on an application’s HTTP server', () => {
  it('syncs on its path and leaves the application’s requests and upgrades alone', async () => {
    const http = app();
    await listen(http);
    const sync = await createSyncServer({ server: http, path: '/sync' });
    syncs.push(sync);
    const port = (http.address() as { port: number }).port;
    expect(sync.url).toBe(`ws://127.0.0.1:${port}/sync`);
    expect(sync.port).toBe(port);

    const count = fixture.client(sync.url).open('count', GCounter);
    count.update(add(2));
    await count.synced();
    expect(sync.document('count')?.value).toBe(2);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
    expect(await echoes(`ws://127.0.0.1:${port}/echo`)).toBe('ping');
    await expect(open(`ws://127.0.0.1:${port}/elsewhere`)).rejects.toThrow('HTTP 404');

    // Closing the sync server closes its connections, not the application's server.
    await sync.close();
    expect(http.listening).toBe(true);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
    expect(await echoes(`ws://127.0.0.1:${port}/echo`)).toBe('ping');
    expect(http.listenerCount('upgrade')).toBe(1); // the sync server's handler is gone
    await expect(open(`ws://127.0.0.1:${port}/sync`)).rejects.toThrow('HTTP 404');
  });

  it('may be attached before the application listens, and takes tokens in the query on its path', async () => {
    const http = app();
    const sync = await createSyncServer({
      server: http,
      path: '/sync',
      authenticate: (req) => (requestToken(req) === 's3cret' ? 'ann' : null),
    });
    syncs.push(sync);
    expect(sync.port).toBe(0);
    await listen(http);
    expect(sync.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/sync$/);
    const count = fixture.client(sync.url, { token: 's3cret' }).open('count', GCounter);
    count.update(add(1));
    await count.synced();
    expect(sync.document('count')?.value).toBe(1);
  });

  it('gives a wss: URL on an HTTPS server', async () => {
    const https = createHttpsServer(); // no certificate: only the URL is looked at
    apps.push(https);
    const sync = await createSyncServer({ server: https, path: '/sync' });
    syncs.push(sync);
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
    expect(sync.url).toBe(`wss://127.0.0.1:${sync.port}/sync`);
  });

  it('answers 404 to upgrades off its path on a server of its own', async () => {
    const sync = await fixture.server({ path: '/sync' });
    expect(sync.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/sync$/);
    await expect(open(sync.url.replace('/sync', '/'))).rejects.toThrow('HTTP 404');
    await expect(open(sync.url.replace('/sync', '/sync/more'))).rejects.toThrow('HTTP 404');
    const ws = await open(`${sync.url}?token=x`);
    await until(() => sync.stats().connections === 1, 'the connection');
    ws.close();
  });

  it('refuses a path that is not one and a server that is not one', async () => {
    for (const path of ['sync', '', '/a b', '/\u00e9', 42]) {
      await expect(createSyncServer({ path: path as string })).rejects.toThrow(ValidationError);
    }
    await expect(createSyncServer({ server: {} as Server })).rejects.toThrow(ValidationError);
  });
});
