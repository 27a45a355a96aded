import { describe, expect, it } from 'vitest';
import { checkGuide } from '../../../test/support/doc-pages.ts';

describe('docs/storage.md', () => {
  checkGuide('storage.md', 'examples/storage/');

  it('restart: a document reopened from its SQLite file has the state it was closed with', async () => {
    const restart = await import('../../../docs/examples/storage/restart.ts');
    expect(restart.items).toEqual(['eggs']);
    expect(restart.same).toBe(true);
    expect(restart.log).toEqual([3]);
  });
});
