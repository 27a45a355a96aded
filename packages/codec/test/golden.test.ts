import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode, encode, FORMAT_VERSION, inspect } from '../src/index.js';
import { fixtures } from './support/fixtures.ts';

const root = fileURLToPath(new URL('../../../test/fixtures/codec/', import.meta.url));
const versions = readdirSync(root).filter((d) => /^v\d+\.\d+$/.test(d));
const current = `v${FORMAT_VERSION.major}.${FORMAT_VERSION.minor}`;

describe('golden files', () => {
  it('exist for the current format version', () => {
    expect(versions).toContain(current);
  });

  describe.each(versions)('%s', (version) => {
    // A version holds the fixtures that existed when it was released; the current one holds all.
    const files = new Set(readdirSync(`${root}${version}`));
    const present = fixtures().filter((f) => version === current || files.has(`${f.name}.bin`));
    it.each(present.map((f) => [f.name, f] as const))('%s decodes to the expected state', (name, f) => {
      const read = (file: string) => new Uint8Array(readFileSync(`${root}${version}/${file}`));
      for (const file of [`${name}.bin`, `${name}.deflate.bin`]) {
        const bytes = read(file);
        const state = decode(f.crdt, bytes);
        expect(f.crdt.equals(state, f.state)).toBe(true);
        expect(f.crdt.value(state)).toEqual(f.crdt.value(f.state));
        // Files of the current version are what this encoder writes today, byte for byte; asked
        // to compress, it writes the deflated file only where that is the shorter one.
        if (version === current) {
          expect(inspect(bytes).tag).toBe(f.crdt.type);
          const plain = read(`${name}.bin`);
          const expected = file.endsWith('.deflate.bin') && bytes.length < plain.length ? bytes : plain;
          expect(encode(f.crdt, state, { compress: file.endsWith('.deflate.bin') })).toEqual(expected);
        }
      }
    });
  });
});
