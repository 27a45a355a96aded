import { automergeAdapter } from './automerge.js';
import { loroAdapter } from './loro.js';
import { nlbdAdapterCompressed, nlbdAdapterPlain } from './nlbd.js';
import { plainAdapter } from './plain.js';
import type { Adapter } from './workload.js';
import { yjsAdapterV1, yjsAdapterV2 } from './yjs.js';

/** Every adapter: the plain-JS baseline, nlbd, then the peers. */
export const adapters: readonly Adapter[] = [
  plainAdapter,
  nlbdAdapterPlain,
  nlbdAdapterCompressed,
  yjsAdapterV1,
  yjsAdapterV2,
  automergeAdapter,
  loroAdapter,
];

/** The adapter called `name`, or a `RangeError` listing the names there are. */
export function adapterByName(name: string): Adapter {
  const adapter = adapters.find((a) => a.name === name);
  if (!adapter)
    throw new RangeError(`no adapter "${name}"; there are ${adapters.map((a) => a.name).join(', ')}`);
  return adapter;
}
