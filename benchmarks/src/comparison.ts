/**
 * Writes docs/comparison.md: the semantics comparison of every adapter. A test in
 * packages/adapters fails when the committed page differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { adapters, renderComparison, runComparison } from '@nlbd/adapters';

const page = new URL('../../docs/comparison.md', import.meta.url);
writeFileSync(page, renderComparison(adapters, runComparison(adapters)));
console.log(`wrote ${page.pathname}`);
