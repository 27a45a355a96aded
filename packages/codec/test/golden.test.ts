import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HybridLogicalClock } from '@nlbd/core';
import { LWWMap, type LWWMapState } from '@nlbd/crdts';
import { describe, expect, it } from 'vitest';
import { decode, decodeInto, encode, FORMAT_VERSION, inspect } from '../src/index.js';
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

describe('LWW entries', () => {
  // Entries made by object literals may be pretenured by V8 and give the engine shapes to tell
  // apart; every entry is made by `lwwEntry` instead, whichever way it came.
  it('share one prototype, written, decoded from every version, or joined row by row', () => {
    const clock = new HybridLogicalClock('alice');
    const written = LWWMap.empty();
    LWWMap.setInto(written, 'alice', 'a', 1, clock);
    LWWMap.joinInto(written, LWWMap.set(written, 'alice', 'b', 2, clock));
    LWWMap.deleteInto(written, 'alice', 'a', clock);
    const decoded = versions.map((v) =>
      decode(LWWMap, new Uint8Array(readFileSync(`${root}${v}/lwwmap.bin`))),
    );
    const joined = LWWMap.empty();
    LWWMap.setInto(joined, 'bob', 'zzz', 0, new HybridLogicalClock('bob', { now: () => 0 }));
    decodeInto(LWWMap, joined, encode(LWWMap, decoded[0] as LWWMapState));
    const entries = [written, ...decoded, joined].flatMap((s) => [...s.entries.values()]);
    expect(entries.length).toBeGreaterThan(versions.length * 2 + 3);
    const prototypes = new Set(entries.map((e) => Object.getPrototypeOf(e)));
    expect(prototypes.size).toBe(1);
    expect(prototypes.has(Object.prototype)).toBe(false);
  });
});
