import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { NlbdError, ValidationError } from '@nlbd/core';
import {
  createSyncServer,
  DEFAULT_SERVER_LIMITS,
  requestToken,
  type ServerLimits,
  type SyncServer,
} from '@nlbd/net';
import { MemoryStorage, SqliteStorage, type StorageAdapter } from '@nlbd/store';

/** What `nlbd serve` starts from its flags. */
export interface ServeOptions {
  /** The TCP port; 0 lets the OS pick one. */
  readonly port: number;
  /** The address to listen on. */
  readonly host: string;
  /** The URL path WebSocket upgrades must ask for (every path when absent; others get 404). */
  readonly path?: string;
  /** The SQLite file documents live in; in memory (lost at exit) when absent. */
  readonly db?: string;
  /** Shared tokens: a client must present one of them. Everyone is let in when empty. */
  readonly tokens: readonly string[];
  /** Overrides of the server's limits (see {@link parseLimits}). */
  readonly limits?: Partial<ServerLimits>;
  /** Hears the server's unexpected errors (a failed append, a throwing hook); it stays up. */
  readonly onError?: (error: unknown, context: string) => void;
}

/**
 * The server limits `--limit name=value` flags set: each `name` one of `DEFAULT_SERVER_LIMITS`'
 * (`maxConnections`, `messagesPerSecond`, ...), each `value` a whole number; a later flag for a
 * name overrides an earlier one. Anything else is a `ValidationError` naming the flag.
 * @example parseLimits(['maxConnections=500', 'idleTimeoutMs=60000'])
 */
export function parseLimits(specs: readonly string[]): Partial<ServerLimits> {
  const limits: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([A-Za-z]+)=(\d{1,15})$/.exec(spec);
    if (match === null)
      throw new ValidationError(`expected name=value (a whole number), got '${spec}'`, 'limit');
    const [, name, value] = match as unknown as [string, string, string];
    if (!Object.hasOwn(DEFAULT_SERVER_LIMITS, name)) {
      const known = Object.keys(DEFAULT_SERVER_LIMITS).join(', ');
      throw new ValidationError(`no limit named '${name}' (known: ${known})`, 'limit');
    }
    limits[name] = Number(value);
  }
  return limits as Partial<ServerLimits>;
}

/** A server started by {@link startServe}. */
export interface RunningServe {
  readonly server: SyncServer;
  readonly storage: StorageAdapter;
  /** Closes the server (its connections, pending appends) and then the storage; idempotent. */
  stop(): Promise<void>;
}

/**
 * The tokens of a tokens file: one per line, surrounding blanks trimmed; empty lines and lines
 * starting with `#` are skipped. A file that cannot be read or holds no token is a `ValidationError`.
 */
export function readTokensFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read the tokens file: ${(error as Error).message}`, 'tokens-file');
  }
  const tokens = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (tokens.length === 0) throw new ValidationError(`${path} holds no token`, 'tokens-file');
  return tokens;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * An `authenticate` hook accepting a request that carries one of `tokens` (see `requestToken`
 * of `@nlbd/net`); its principal is `token N`, N the token's position from 1, so logs never show
 * a token. Comparisons take the same time whatever the token sent.
 */
export function tokenAuthenticator(tokens: readonly string[]): (request: IncomingMessage) => string | null {
  if (tokens.length === 0) throw new ValidationError('no token given', 'token');
  for (const token of tokens) {
    if (token === '' || /\s/.test(token))
      throw new ValidationError('a token is empty or has blanks', 'token');
  }
  // Equal-length digests: timingSafeEqual then leaks neither where nor whether a token differs.
  const known = tokens.map(sha256);
  return (request) => {
    const sent = requestToken(request);
    if (sent === undefined) return null;
    const digest = sha256(sent);
    let principal: string | null = null;
    known.forEach((k, i) => {
      if (timingSafeEqual(k, digest) && principal === null) principal = `token ${i + 1}`;
    });
    return principal;
  };
}

/** SQLite at `db`, or memory; a file SQLite cannot open is an `NlbdError` saying which. */
function openStorage(db: string | undefined): StorageAdapter {
  if (db === undefined) return new MemoryStorage();
  try {
    return new SqliteStorage(db);
  } catch (error) {
    if (error instanceof NlbdError) throw error; // a damaged file or a newer schema: it says so
    throw new NlbdError('storage', `cannot open ${db}: ${(error as Error).message}`, 'db');
  }
}

/**
 * Opens the storage (`options.db` with SQLite, else in memory) and starts a sync server on it.
 * If the server cannot start (the port is taken), the storage is closed again.
 */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const authenticate = options.tokens.length > 0 ? tokenAuthenticator(options.tokens) : undefined;
  const storage = openStorage(options.db);
  let server: SyncServer;
  try {
    server = await createSyncServer({
      port: options.port,
      host: options.host,
      ...(options.path === undefined ? {} : { path: options.path }),
      store: storage,
      ...(authenticate === undefined ? {} : { authenticate }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
  } catch (error) {
    await storage.close();
    const { code, message } = error as NodeJS.ErrnoException;
    if (typeof code !== 'string' || error instanceof NlbdError) throw error;
    throw new NlbdError('listen', `cannot listen on ${options.host}:${options.port}: ${message}`, 'port');
  }
  let stopping: Promise<void> | undefined;
  return {
    server,
    storage,
    stop: () => {
      // The server first: its close waits for pending appends, which need the storage open.
      stopping ??= server.close().finally(() => storage.close());
      return stopping;
    },
  };
}

/**
 * Resolves with the first of `signals` the process receives. Its handlers are removed then, so
 * a second signal (a second Ctrl-C while shutting down) ends the process the default way.
 */
export function firstSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handlers = signals.map((signal) => {
      const handler = () => {
        for (const [s, h] of handlers) process.off(s, h);
        resolve(signal);
      };
      process.on(signal, handler);
      return [signal, handler] as const;
    });
  });
}
