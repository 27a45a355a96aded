/**
 * The page `client-in-chromium.ts` loads: the sync client of `@nlbd/net/client` with an
 * `IndexedDbStorage`, on the browser's own WebSocket and IndexedDB. It exposes one function per
 * step for the script to call.
 */
import { GCounter } from '@nlbd/crdts';
import { connect, type DocumentHandle, type SyncClient } from '@nlbd/net/client';
import { IndexedDbStorage } from '@nlbd/store/durable';

let client: SyncClient | undefined;
let count: DocumentHandle<Map<string, number>, number> | undefined;

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
    count = doc;
    return { restored, synced: doc.value, status: client.status };
  },
  /**
   * Once the server has deleted the document: whether the handle heard, the value the name
   * opens with again, and the documents IndexedDB still holds.
   */
  async afterDeletion(): Promise<{ deleted: boolean; reopened: number; stored: string[] }> {
    const doc = count;
    if (client === undefined || doc === undefined) throw new Error('restoreAndSync first');
    while (!doc.deleted) await new Promise((resolve) => setTimeout(resolve, 10));
    const again = client.open('count', GCounter);
    await again.restored(); // after the stored copy is removed
    const stored = await new IndexedDbStorage('nlbd-browser-test').documents();
    return { deleted: doc.deleted, reopened: again.value, stored };
  },
};

(globalThis as { nlbdSteps?: typeof steps }).nlbdSteps = steps;
