import { automergeAdapter } from './automerge.js';
import { loroAdapter } from './loro.js';
import { plainAdapter } from './plain.js';
import type { Adapter } from './workload.js';
import { yjsAdapterV1, yjsAdapterV2 } from './yjs.js';

/** Every adapter, the plain-JS baseline first. */
export const adapters: readonly Adapter[] = [
  plainAdapter,
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
