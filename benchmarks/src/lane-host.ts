/**
 * An {@link AdapterWorker}'s worker: runs its adapter's lane of one scenario at a time in this
 * isolate and answers the runner's calls, one at a time, with their values or what they threw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adapterByName } from '@nlbd/adapters';
import { pinThread, threadId } from './affinity.js';
import { type LaneCall, type LaneReply, LocalLane, type WorkerReady, type WorkerSpec } from './lanes.js';
import { scenarioById } from './scenarios/index.js';

const spec = workerData as WorkerSpec;
const port = parentPort;
if (port === null) throw new Error('lane-host.ts runs in a worker thread, started by an AdapterWorker');
const adapter = adapterByName(spec.adapter);
let lane: LocalLane | undefined;

async function answer(call: LaneCall): Promise<unknown> {
  if (call.op === 'start') {
    lane = new LocalLane(scenarioById(call.scenario), adapter, call.config);
    return lane.start();
  }
  if (lane === undefined) throw new Error(`${call.op} before any start`);
  return lane[call.op]();
}

port.on('message', async (call: LaneCall) => {
  let reply: LaneReply;
  try {
    reply = { value: await answer(call) };
  } catch (e) {
    reply = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
// Bound to its CPU before anything is timed, if asked (see affinity.ts).
const tid = spec.cpu === undefined ? undefined : threadId();
const ready: WorkerReady = {
  ready: true,
  ...(spec.cpu !== undefined && tid !== undefined && pinThread(tid, spec.cpu) ? { cpu: spec.cpu } : {}),
};
port.postMessage(ready);
