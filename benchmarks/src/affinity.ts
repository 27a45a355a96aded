/**
 * Binding a lane's thread to one CPU (Linux, with `taskset` from util-linux). Lanes take their
 * samples in turns, so every lane on one CPU costs nothing in parallelism; it keeps a lane from
 * sitting on a CPU that runs slow while another lane's sits on one that does not. On the
 * benchmark machine one CPU at a time ran about 1.7 times slower for stretches of seconds, and
 * lanes stay where the scheduler last put them: in 20 quick runs of scenarios 3 and 5 with lanes
 * free, the merge read 3.51x to 9.79x Yjs (two misses) and the counters 10.75x to 27.37x; in 28
 * with every lane on CPU 0 or on CPU 1, 5.04x to 7.58x and 14.97x to 20.03x.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The kernel's id of the calling thread (from `/proc/thread-self`), or undefined off Linux. */
export function threadId(): number | undefined {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The CPUs thread `tid` of this process may run on, as the kernel lists them (`0`, `0-1`). */
export function allowedCpus(tid: number): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Binds thread `tid` of this process to CPU `cpu`; whether the kernel now lists `cpu` alone. */
export function pinThread(tid: number, cpu: number): boolean {
  const run = spawnSync('taskset', ['-p', '-c', String(cpu), String(tid)], { stdio: 'ignore' });
  return run.status === 0 && allowedCpus(tid) === String(cpu);
}

/** Whether lanes can be bound to a CPU here: Linux, two CPUs or more, and `taskset` found. */
export function canPin(): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2 || threadId() === undefined) return false;
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}
