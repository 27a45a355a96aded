import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Where and with what a run happened, recorded with its results. */
export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** Versions of the measured libraries, read from their installed package.json. */
  readonly packages: Readonly<Record<string, string>>;
  /** `git rev-parse HEAD`, with `+dirty` when the working tree has changes. */
  readonly commit: string;
  readonly gcExposed: boolean;
  /** The node options of the run (`process.execArgv`), V8's among them: `pnpm bench` pins the young generation. */
  readonly nodeFlags: readonly string[];
  /**
   * Where nlbd's packages were loaded from: `dist` (the built JavaScript npm consumers run) or
   * `src` (TypeScript through tsx, whose transform wraps every closure a call creates in a
   * `__name` call: nlbd's decoders ran 2-3x slower so, while the peers load untransformed).
   */
  readonly nlbdFrom: 'dist' | 'src';
}

const adaptersDir = new URL('../../packages/adapters/', import.meta.url);

function installedVersion(name: string): string {
  try {
    const manifest = new URL(`node_modules/${name}/package.json`, adaptersDir);
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function gitCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    return git('rev-parse', 'HEAD') + (git('status', '--porcelain') === '' ? '' : '+dirty');
  } catch {
    return 'unknown';
  }
}

function nlbdFrom(): 'dist' | 'src' {
  return import.meta.resolve('@nlbd/adapters').includes('/dist/') ? 'dist' : 'src';
}

/** The environment of this process, with the versions of `libraries`. */
export function environment(libraries: readonly string[]): Environment {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    packages: Object.fromEntries(libraries.map((name) => [name, installedVersion(name)])),
    commit: gitCommit(),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    nodeFlags: [...process.execArgv],
    nlbdFrom: nlbdFrom(),
  };
}
