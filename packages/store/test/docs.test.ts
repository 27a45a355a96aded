import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const docs = new URL('../../../docs/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, docs), 'utf8');

describe('docs/storage.md', () => {
  const guide = read('storage.md');
  // Each example is shown as: From [`examples/storage/x.ts`](examples/storage/x.ts): then a ```ts block.
  const shown = [
    ...guide.matchAll(
      /\[`examples\/storage\/([\w-]+\.ts)`\]\(examples\/storage\/\1\):?\n+```ts\n([\s\S]*?)```/g,
    ),
  ].map(([, file, code]) => ({ file: file as string, code: code as string }));

  it('shows every file of docs/examples/storage, once, exactly as it is', () => {
    const files = readdirSync(new URL('examples/storage/', docs)).filter((f) => f.endsWith('.ts'));
    expect(shown.map((s) => s.file).sort()).toEqual(files.sort());
    for (const { file, code } of shown) expect(code, file).toBe(read(`examples/storage/${file}`));
  });

  it('links only to files that exist', () => {
    const links = [...guide.matchAll(/\]\((?!https?:)([^)#]+)/g)].map(([, target]) => target as string);
    expect(links.length).toBeGreaterThan(0);
    for (const target of links) expect(existsSync(new URL(target, docs)), target).toBe(true);
  });

  it('restart: a document reopened from its SQLite file has the state it was closed with', async () => {
    const restart = await import('../../../docs/examples/storage/restart.ts');
    expect(restart.items).toEqual(['eggs']);
    expect(restart.same).toBe(true);
    expect(restart.log).toEqual([3]);
  });
});
