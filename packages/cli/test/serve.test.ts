import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLimits, readTokensFile, startServe, tokenAuthenticator } from '@nlbd/cli';
import { ValidationError } from '@nlbd/core';
import { ORSet } from '@nlbd/crdts';
import { connect, type RemoteError, type SyncClient } from '@nlbd/net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
const clients: SyncClient[] = [];
const stops: (() => Promise<void>)[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlbd-serve-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(stops.splice(0).map((stop) => stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const client = (url: string, token?: string) => {
  const c = connect(url, {
    WebSocket,
    backoff: { initialMs: 10, maxMs: 100 },
    ...(token === undefined ? {} : { token }),
  });
  clients.push(c);
  return c;
};

/** Waits until `check` holds, polling (no timing is asserted). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `nlbd serve ...args` from source in a child process, once it has printed where it listens. */
async function spawnServe(...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', bin, 'serve', ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await Promise.race([
    until(() => /ws:\/\/\S+/.test(out), 'the URL').then(() => out.match(/ws:\/\/\S+/)![0]),
    exited.then(({ code }) => {
      throw new Error(`nlbd serve exited with ${code} before listening:\n${err}`);
    }),
  ]);
  return { child, url, exited, output: () => ({ out, err }) };
}

describe('nlbd serve', () => {
  it('serves from a SQLite file, stops on SIGTERM, and serves the same data after a restart', async () => {
    const db = join(tempDir(), 'docs.db');
    const first = await spawnServe('--port', '0', '--db', db);
    expect(first.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(first.url).not.toContain(':0/');
    const writer = client(first.url);
    const list = writer.open('groceries', ORSet);
    for (const item of ['milk', 'eggs', 'bread'])
      list.update((s, { replica }) => ORSet.add(s, replica, item));
    await list.synced(); // acknowledged, hence appended to the file
    writer.close();

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output().err).toContain('SIGTERM, shutting down');

    const second = await spawnServe('--port', '0', '--db', db, '--token', 's3cret', '--path', '/sync');
    expect(second.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/sync$/);
    const reader = client(second.url, 's3cret').open('groceries', ORSet);
    await until(() => reader.value.size === 3, 'the stored list');
    expect([...reader.value].sort()).toEqual(['bread', 'eggs', 'milk']);

    const errors: RemoteError[] = [];
    client(second.url, 'wrong').onError((e) => errors.push(e));
    await until(() => errors.length > 0, 'a refusal');
    expect(errors[0]?.code).toBe('unauthenticated');

    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });

  it('says in one line why it cannot start', async () => {
    const dir = tempDir();
    const nowhere = await spawnServe('--port', '0', '--db', join(dir, 'missing', 'docs.db')).catch(
      (e: Error) => e,
    );
    expect((nowhere as Error).message).toMatch(/exited with 1[\s\S]*nlbd: db: cannot open .*missing/);
    const file = join(dir, 'tokens');
    writeFileSync(file, '# nobody\n\n');
    const empty = await spawnServe('--port', '0', '--tokens-file', file).catch((e: Error) => e);
    expect((empty as Error).message).toMatch(/exited with 1[\s\S]*nlbd: .*holds no token/);
  });
});

describe('startServe', () => {
  it('keeps documents in memory without --db and stops server then storage', async () => {
    const running = await startServe({ port: 0, host: '127.0.0.1', tokens: [] });
    stops.push(running.stop);
    const a = client(running.server.url).open('set', ORSet);
    a.update((s, { replica }) => ORSet.add(s, replica, 'x'));
    await a.synced();
    expect(running.server.document('set')?.value).toEqual(new Set(['x']));
    await running.stop();
    await expect(running.storage.load('set')).rejects.toThrow(/closed/);
    await running.stop(); // idempotent
  });

  it('closes the storage when the server cannot listen', async () => {
    const taken = await startServe({ port: 0, host: '127.0.0.1', tokens: [] });
    stops.push(taken.stop);
    await expect(startServe({ port: taken.server.port, host: '127.0.0.1', tokens: [] })).rejects.toThrow(
      /port: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
  });
});

describe('--limit', () => {
  it('reads name=value limits, a later one for a name overriding an earlier one', () => {
    expect(parseLimits([])).toEqual({});
    expect(parseLimits(['maxConnections=500', 'idleTimeoutMs=60000', 'maxConnections=2'])).toEqual({
      maxConnections: 2,
      idleTimeoutMs: 60_000,
    });
  });

  it('refuses unknown names, values that are not whole numbers, and inherited names', () => {
    for (const spec of [
      'maxConnection=5',
      'maxConnections',
      'maxConnections=',
      'maxConnections=-1',
      'maxConnections=1.5',
      'maxConnections=1e3',
      '=5',
      '__proto__=1',
      'constructor=1',
      'toString=1',
    ]) {
      expect(() => parseLimits([spec]), spec).toThrow(ValidationError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('applies them: past maxConnections a connection is refused', async () => {
    const running = await startServe({
      port: 0,
      host: '127.0.0.1',
      tokens: [],
      limits: parseLimits(['maxConnections=1']),
    });
    stops.push(running.stop);
    const first = new WebSocket(running.server.url);
    await new Promise((resolve, reject) => {
      first.once('open', resolve);
      first.once('error', reject);
    });
    const second = new WebSocket(running.server.url);
    const refused = await new Promise<string>((resolve) => second.once('error', (e) => resolve(e.message)));
    expect(refused).toMatch(/503/);
    first.close();
  });

  it('is a flag of nlbd serve, and a bad one stops it with a one-line error', async () => {
    const { url, child, exited } = await spawnServe('--port', '0', '--limit', 'maxConnections=1');
    const first = new WebSocket(url);
    await new Promise((resolve) => first.once('open', resolve));
    const refused = await new Promise<string>((resolve) =>
      new WebSocket(url).once('error', (e) => resolve(e.message)),
    );
    expect(refused).toMatch(/503/);
    first.close();
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
    const bad = await spawnServe('--port', '0', '--limit', 'maxConection=1').catch((e: Error) => e);
    expect((bad as Error).message).toMatch(/exited with 1[\s\S]*nlbd: limit: no limit named 'maxConection'/);
  });
});

describe('tokens', () => {
  const request = (url: string, authorization?: string) =>
    ({ url, headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

  it('accepts any given token from the query or a bearer header, naming it by position', () => {
    const authenticate = tokenAuthenticator(['alpha', 'beta']);
    expect(authenticate(request('/?token=beta'))).toBe('token 2');
    expect(authenticate(request('/', 'Bearer alpha'))).toBe('token 1');
    expect(authenticate(request('/?token=gamma'))).toBeNull();
    expect(authenticate(request('/?token=alph'))).toBeNull();
    expect(authenticate(request('/'))).toBeNull();
  });

  it('refuses empty or blank tokens', () => {
    expect(() => tokenAuthenticator([])).toThrow(ValidationError);
    expect(() => tokenAuthenticator(['a b'])).toThrow(ValidationError);
    expect(() => tokenAuthenticator([''])).toThrow(ValidationError);
  });

  it('reads a tokens file: one per line, comments and blank lines skipped', () => {
    const file = join(tempDir(), 'tokens');
    writeFileSync(file, '# team\n alpha \r\n\nbeta\n');
    expect(readTokensFile(file)).toEqual(['alpha', 'beta']);
    expect(() => readTokensFile(join(tempDir(), 'missing'))).toThrow(/cannot read the tokens file/);
  });
});
