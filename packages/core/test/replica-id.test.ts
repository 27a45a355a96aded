import {
  assertReplicaId,
  isReplicaId,
  MAX_REPLICA_ID_BYTES,
  randomReplicaId,
  ValidationError,
} from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyReplicaIdArb } from '../../../test/support/arbitraries.ts';
import { checkProperty } from '../../../test/support/property.ts';

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

function validationMessage(value: unknown, path?: string): string {
  try {
    assertReplicaId(value, path);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error(`expected ${String(value)} to be refused`);
}

describe('replica ids', () => {
  it('accepts short, long-but-legal and multibyte ids', () => {
    for (const id of ['a', 'alice', 'x'.repeat(64), 'é'.repeat(32), '😀'.repeat(16), 'node-1/eu west']) {
      expect(isReplicaId(id), id).toBe(true);
      expect(() => assertReplicaId(id)).not.toThrow();
    }
  });

  it('refuses the empty string', () => {
    expect(isReplicaId('')).toBe(false);
    expect(validationMessage('')).toBe('replica: replica id must not be empty');
  });

  it('counts UTF-8 bytes, not UTF-16 code units', () => {
    expect(MAX_REPLICA_ID_BYTES).toBe(64);
    expect(isReplicaId('x'.repeat(65))).toBe(false);
    // 33 two-byte characters: 33 code units, 66 bytes.
    expect(isReplicaId('é'.repeat(33))).toBe(false);
    // 22 three-byte characters: 66 bytes.
    expect(isReplicaId('€'.repeat(22))).toBe(false);
    expect(isReplicaId('€'.repeat(21))).toBe(true);
    // 17 four-byte characters: 34 code units, 68 bytes.
    expect(isReplicaId('😀'.repeat(17))).toBe(false);
    expect(isReplicaId(`${'😀'.repeat(15)}abcd`)).toBe(true);
    expect(isReplicaId(`${'😀'.repeat(15)}abcde`)).toBe(false);
    expect(validationMessage('é'.repeat(33), 'hello.from')).toBe(
      'hello.from: replica id must be at most 64 UTF-8 bytes',
    );
  });

  it('agrees with TextEncoder on the byte limit when a high surrogate is not followed by a low one', () => {
    // A lone high surrogate encodes as U+FFFD (3 bytes); the character after it still counts.
    const id = `${'\ud83d'}${'é'.repeat(31)}`;
    expect(utf8Bytes(id)).toBe(65);
    expect(isReplicaId(id)).toBe(false);
  });

  it('refuses control characters anywhere', () => {
    for (const id of ['a\nb', '\u0000', 'tab\there', 'del\u007f', 'c1\u0085', 'end\u009f']) {
      expect(isReplicaId(id), JSON.stringify(id)).toBe(false);
      expect(validationMessage(id)).toBe('replica: replica id must not contain control characters');
    }
  });

  it('refuses non-strings, naming the type and the path', () => {
    for (const value of [undefined, null, 42, {}, ['a'], Symbol('a'), 1n]) {
      expect(isReplicaId(value)).toBe(false);
    }
    expect(validationMessage(42, 'op.replica')).toBe('op.replica: replica id must be a string, got number');
    expect(validationMessage(null)).toBe('replica: replica id must be a string, got object');
  });

  it('accepts exactly the strings of 1..64 UTF-8 bytes without control characters', () => {
    checkProperty(
      fc.property(fc.string({ unit: 'binary', maxLength: 70 }), (s) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the model of what ids refuse
        const expected = s.length > 0 && utf8Bytes(s) <= 64 && !/[\u0000-\u001f\u007f-\u009f]/.test(s);
        expect(isReplicaId(s)).toBe(expected);
      }),
    );
  });

  it('accepts every id the shared arbitrary generates', () => {
    checkProperty(fc.property(anyReplicaIdArb, (id) => isReplicaId(id)));
  });

  describe('randomReplicaId', () => {
    it('makes 22 base64url characters carrying 128 bits', () => {
      for (let i = 0; i < 200; i++) {
        const id = randomReplicaId();
        expect(id).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/);
        expect(isReplicaId(id)).toBe(true);
      }
    });

    it('does not repeat', () => {
      const ids = new Set(Array.from({ length: 10_000 }, randomReplicaId));
      expect(ids.size).toBe(10_000);
    });

    it('uses every position of the alphabet', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 500; i++) for (const c of randomReplicaId().slice(0, 21)) seen.add(c);
      expect(seen.size).toBe(64);
    });
  });
});
