import { ValidationError } from '@nlbd/core';
import type { CrashSpec, LatencyModel, PartitionSpec, Topology } from '@nlbd/sync';
import { SWEEP_PARAMS, type SweepAxis, type SweepParam } from './simulate.js';

const num = (s: string, what: string): number => {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`'${s}' is not a number`, what);
  return n;
};
const int = (s: string, what: string): number => {
  const n = num(s, what);
  if (!Number.isSafeInteger(n) || n < 0) throw new ValidationError(`'${s}' is not an integer ≥ 0`, what);
  return n;
};

/** `full`, `ring` or `regular:K`. */
export function parseTopology(s: string): Topology {
  if (s === 'full' || s === 'ring') return { kind: s };
  const m = /^regular:(\d+)$/.exec(s);
  if (m) return { kind: 'regular', degree: int(m[1] as string, 'topology') };
  throw new ValidationError(`expected full, ring or regular:K, got '${s}'`, 'topology');
}

/** `fixed:MS`, `uniform:MIN-MAX`, `normal:MEAN,SD` or `exp:MEAN`. */
export function parseLatency(s: string): LatencyModel {
  const [kind, arg = ''] = s.split(':');
  switch (kind) {
    case 'fixed':
      return { kind: 'fixed', ms: num(arg, 'latency') };
    case 'uniform': {
      const [min = '', max = ''] = arg.split('-');
      return { kind: 'uniform', min: num(min, 'latency'), max: num(max, 'latency') };
    }
    case 'normal': {
      const [mean = '', sd = ''] = arg.split(',');
      return { kind: 'normal', mean: num(mean, 'latency'), stddev: num(sd, 'latency') };
    }
    case 'exp':
      return { kind: 'exponential', mean: num(arg, 'latency') };
    default:
      throw new ValidationError(
        `expected fixed:MS, uniform:MIN-MAX, normal:MEAN,SD or exp:MEAN, got '${s}'`,
        'latency',
      );
  }
}

/** `AT-HEAL:0,1,2/3,4` — from round AT to HEAL, nodes 0–2 and 3–4 are cut apart. */
export function parsePartition(s: string): PartitionSpec {
  const m = /^(\d+)-(\d+):(.+)$/.exec(s);
  if (!m) throw new ValidationError(`expected AT-HEAL:a,b/c,d, got '${s}'`, 'partition');
  const groups = (m[3] as string).split('/').map((g) => g.split(',').map((n) => int(n, 'partition')));
  return { at: int(m[1] as string, 'partition'), heal: int(m[2] as string, 'partition'), groups };
}

/** `NODE@AT` (never back), `NODE@AT-RESTART` (back empty) or `NODE@AT-RESTART:keep` (back with state). */
export function parseCrash(s: string): CrashSpec {
  const m = /^(\d+)@(\d+)(?:-(\d+))?(:keep)?$/.exec(s);
  if (!m) throw new ValidationError(`expected NODE@AT[-RESTART][:keep], got '${s}'`, 'crash');
  const base = {
    node: int(m[1] as string, 'crash'),
    at: int(m[2] as string, 'crash'),
    keepState: m[4] !== undefined,
  };
  return m[3] === undefined ? base : { ...base, restart: int(m[3], 'crash') };
}

/** `PARAM=V1,V2,...`, PARAM one of {@link SWEEP_PARAMS}: the values a sweep runs, in order. */
export function parseVary(s: string): SweepAxis {
  const m = /^([a-z]+)=(.+)$/.exec(s);
  if (!m || !SWEEP_PARAMS.includes(m[1] as SweepParam)) {
    throw new ValidationError(
      `expected PARAM=V1,V2,... with PARAM one of ${SWEEP_PARAMS.join(', ')}, got '${s}'`,
      'vary',
    );
  }
  const param = m[1] as SweepParam;
  const values = (m[2] as string).split(',').map((v) => (param === 'loss' ? num(v, 'vary') : int(v, 'vary')));
  return { param, values };
}
