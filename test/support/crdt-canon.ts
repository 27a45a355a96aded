/**
 * A canonical, order-free form of a value as the CRDT types show it (`Map`s, `Set`s, arrays,
 * byte arrays, plain or null-prototype objects), for comparing values from different replicas
 * or against a model with `toEqual`. Maps, sets and objects become sorted entry lists; arrays
 * keep their order unless `unordered` (MV-Register values are compared as multisets).
 */
export function canon(v: unknown, unordered = false): unknown {
  const sorted = (items: unknown[]) =>
    items.map((x) => [JSON.stringify(x), x] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (v === undefined) return '<undefined>';
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : Number.isNaN(v) ? '<NaN>' : v;
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return `<bytes ${[...v].join(',')}>`;
  if (Array.isArray(v)) {
    const items = v.map((x) => canon(x, unordered));
    return ['<array>', ...(unordered ? sorted(items).map(([, x]) => x) : items)];
  }
  if (v instanceof Set) return ['<set>', ...sorted([...v].map((x) => canon(x, unordered))).map(([, x]) => x)];
  const entries =
    v instanceof Map ? [...v] : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  // Values store an empty Map as {} (`storableValue`), so a model's empty Map is the same.
  const tag = v instanceof Map && v.size > 0 ? '<map>' : '<object>';
  return [tag, ...sorted(entries.map(([k, x]) => [canon(k), canon(x, unordered)])).map(([, x]) => x)];
}
