/**
 * Child process of the server scenario: `server-host.ts sqlite|memory <dir>` runs a sync server
 * on 127.0.0.1 (any free port) storing documents in a fresh SQLite file in `dir` (synchronous
 * FULL, as `nlbd serve` does) or in memory, and prints its URL. Each line `cpu` on its stdin is
 * answered by a line with the CPU time (user + system, ms) the process has used. It stops when its
 * stdin closes (so it never outlives the probe that started it) or on SIGTERM.
 */
import { join } from 'node:path';
import { createSyncServer } from '@nlbd/net';
import { MemoryStorage, SqliteStorage, type StorageAdapter } from '@nlbd/store';

const [kind, dir = ''] = process.argv.slice(2);
if (kind !== 'sqlite' && kind !== 'memory') throw new Error('usage: server-host.ts sqlite|memory <dir>');
const storage: StorageAdapter =
  kind === 'sqlite' ? new SqliteStorage(join(dir, 'server.db')) : new MemoryStorage();
const server = await createSyncServer({
  port: 0,
  host: '127.0.0.1',
  store: storage,
  onError: (error, context) => console.error(`server-host: ${context}: ${String(error)}`),
});
process.stdout.write(`${server.url}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  await storage.close();
  process.stdin.destroy();
};
let partial = '';
process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
  const lines = (partial + chunk).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    if (line !== 'cpu') continue;
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${(user + system) / 1000}\n`);
  }
});
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
