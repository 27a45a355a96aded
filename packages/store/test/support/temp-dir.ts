import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A fresh temporary directory for this test file, removed (with every SQLite file in it) after
 * its tests. `file(name)` gives a path inside it.
 */
export function useTempDir(prefix: string): { readonly dir: string; file(name: string): string } {
  const dir = mkdtempSync(join(tmpdir(), `nlbd-store-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return { dir, file: (name: string) => join(dir, `${n++}-${name}`) };
}
