/**
 * An offline-first todo list: a sync server (`nlbd serve` on a SQLite file) and two client
 * processes, alice and bob, editing one shared list (see `todos.ts` for its type).
 *
 * The story: alice adds three todos; bob sees them, adds one, and goes offline. While offline,
 * bob completes a1, renames a2, removes a3 and adds two todos; alice, online, renames a3 (which
 * bob is removing), completes bob's b1 and adds a4. Bob reconnects; his queued changes go to the
 * server and alice's come to him. Both end with the same list, printed below: a3 survives with
 * alice's new title, since bob removed only what he had seen of it.
 *
 * Run: `npx -y pnpm@10 example:todo`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from '@nlbd/codec';
import type { Report } from './client.js';
import { render, type Todo, TodoList } from './todos.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLIENTS = ['alice', 'bob'] as const;

/** How a run ended: each client's final list and the todos it created. */
export interface TodoRun {
  readonly lists: ReadonlyMap<string, readonly Todo[]>;
  readonly created: ReadonlyMap<string, readonly string[]>;
}

/** Starts `file` from source (as `pnpm nlbd` and the demo do), printing its output through `log`. */
function start(file: string, args: readonly string[], log: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced', // the reports carry bytes
  });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) log(line);
    });
  }
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** Resolves with the first line of `child`'s output matching `pattern`. */
function firstMatch(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: string) => {
      text += chunk;
      const match = pattern.exec(text);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}`)));
  });
}

/**
 * Runs the example: the server, then both clients, until both have every change (their
 * replicas' states are equal and nothing waits for the server), then stops everything.
 * Rejects after `timeoutMs`.
 */
export async function runTodoExample(log: (line: string) => void = console.log, timeoutMs = 30_000) {
  const dir = mkdtempSync(join(tmpdir(), 'nlbd-todo-'));
  const children: ChildProcess[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const server = start(
      'packages/cli/src/bin.ts',
      ['serve', '--port', '0', '--db', join(dir, 'todo.db')],
      log,
    );
    children.push(server);
    const url = await firstMatch(server, /ws:\/\/\S+/);
    const reports = new Map<string, Report>();
    const converged = new Promise<void>((resolve, reject) => {
      for (const name of CLIENTS) {
        const client = start('examples/todo/client.ts', [url, name], log);
        children.push(client);
        client.once('exit', (code) => {
          if (code !== 0) reject(new Error(`${name} exited with ${code}`));
        });
        client.on('message', (report: Report) => {
          reports.set(name, report);
          if (sameStates([...reports.values()])) resolve();
        });
      }
      timer = setTimeout(() => reject(new Error(`no convergence within ${timeoutMs} ms`)), timeoutMs);
    });
    await converged;
    for (const child of children.slice(1)) child.send('stop');
    await Promise.all(children.slice(1).map(exited));
    server.kill('SIGTERM');
    await exited(server);
    const run: TodoRun = {
      lists: new Map(CLIENTS.map((name) => [name, reports.get(name)!.list])),
      created: new Map(CLIENTS.map((name) => [name, reports.get(name)!.created])),
    };
    for (const [name, list] of run.lists) log(`\n${name}'s list:\n  ${render(list).join('\n  ')}`);
    log('\nBoth replicas hold the same state, and the server has it on disk.');
    return run;
  } finally {
    clearTimeout(timer);
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether every client reported, has nothing unacknowledged, and holds the same state. */
function sameStates(reports: readonly Report[]): boolean {
  if (reports.length < CLIENTS.length || !reports.every((r) => r.synced)) return false;
  const [first, ...others] = reports.map((r) => decode(TodoList, r.state));
  return others.every((state) => TodoList.equals(first!, state));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runTodoExample();
