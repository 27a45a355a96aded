/**
 * Writes the golden encodings of `test/support/fixtures.ts` to `test/fixtures/codec/v<major>.<minor>/`
 * for the current format version. Existing versions are never rewritten: a format change bumps
 * the version and adds a directory, and `golden.test.ts` keeps decoding every older one.
 * Run: npx tsx packages/codec/scripts/golden.ts
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode, FORMAT_VERSION } from '../src/index.js';
import { fixtures } from '../test/support/fixtures.js';

const dir = fileURLToPath(
  new URL(`../../../test/fixtures/codec/v${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}/`, import.meta.url),
);
if (existsSync(dir)) {
  console.error(`${dir} exists: golden files of a released format version are never rewritten`);
  process.exit(1);
}
mkdirSync(dir, { recursive: true });
for (const f of fixtures()) {
  writeFileSync(`${dir}${f.name}.bin`, encode(f.crdt, f.state));
  writeFileSync(`${dir}${f.name}.deflate.bin`, encode(f.crdt, f.state, { compress: true }));
}
console.log(`wrote ${fixtures().length * 2} files to ${dir}`);
