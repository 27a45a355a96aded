/**
 * The page `client-in-chromium.ts` loads: the sync client of `@nlbd/net/client` with an
 * `IndexedDbStorage`, on the browser's own WebSocket and IndexedDB. It exposes one function per
 * step for the script to call.
 */
import { GCounter } from '@nlbd/crdts';
import { connect, type SyncClient } from '@nlbd/net/client';
import { IndexedDbStorage } from '@nlbd/store/durable';

let client: SyncClient | undefined;

const steps = {
  /** Offline from the start: `n` increments, stored in IndexedDB; the value. */
  async editOffline(url: string, n: number): Promise<number> {
    client = connect(url, { store: new IndexedDbStorage('nlbd-browser-test') });
    client.disconnect();
    const doc = client.open('count', GCounter);
    await doc.restored();
    doc.update((s, { replica }) => GCounter.increment(s, replica, n));
    await doc.saved();
    return doc.value;
  },
  /** After a reload: what IndexedDB restored, then the value once connected and this session's edits acknowledged. */
  async restoreAndSync(url: string): Promise<{ restored: number; synced: number; status: string }> {
    client = connect(url, { store: new IndexedDbStorage('nlbd-browser-test') });
    const doc = client.open('count', GCounter);
    await doc.restored();
    const restored = doc.value;
    await new Promise<void>((resolve) => {
      const off = client?.onStatus((status) => {
        if (status !== 'open') return;
        off?.();
        resolve();
      });
      if (client?.status === 'open') resolve();
    });
    await doc.synced();
    return { restored, synced: doc.value, status: client.status };
  },
};

(globalThis as { nlbdSteps?: typeof steps }).nlbdSteps = steps;
