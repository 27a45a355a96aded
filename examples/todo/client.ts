/**
 * One person's todo app, as its own process: `client.ts <server url> alice|bob`. It connects to
 * the sync server, opens the shared list and plays its part of the story (see `main.ts`). Then it
 * reports its replica to the parent process (over the IPC channel) whenever it changes, until
 * told to stop.
 */
import { encode } from '@nlbd/codec';
import { connect } from '@nlbd/net';
import { WebSocket } from 'ws'; // Node 20 has no global WebSocket; browsers and Node 22 do
import { addTodo, complete, removeTodo, rename, type TodoDoc, TodoList, todos } from './todos.js';

/** What a client tells the parent process after its story: its list and its replica's state. */
export interface Report {
  readonly name: string;
  /** Whether it has no change the server has not acknowledged. */
  readonly synced: boolean;
  readonly list: ReturnType<typeof todos>;
  /** The ids of the todos it created. */
  readonly created: readonly string[];
  /** Its replica's state, encoded (the parent compares states, not just what they show). */
  readonly state: Uint8Array;
}

const [url, name] = process.argv.slice(2);
if (url === undefined || (name !== 'alice' && name !== 'bob')) {
  console.error('usage: client.ts <server url> alice|bob');
  process.exit(2);
}
const say = (text: string) => console.log(`${name.padEnd(5)} ${text}`);

const client = connect(url, { WebSocket, replica: name, backoff: { initialMs: 50, maxMs: 500 } });
const doc: TodoDoc = client.open('todos', TodoList);
doc.presence.set('user', name); // who is online: the others see it until this connection goes
const created: string[] = [];
const add = (id: string, title: string) => {
  addTodo(doc, id, title);
  created.push(id);
};

/** Resolves once `check()` holds, looking again at every change of the list or of who is online. */
function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const look = () => {
      if (!check()) return;
      offDoc();
      offPresence();
      resolve();
    };
    const offDoc = doc.onChange(look);
    const offPresence = doc.presence.onChange(look);
    look();
  });
}
const has = (id: string) => todos(doc).some((t) => t.id === id);
const online = (who: string) =>
  [...doc.presence.peers.values()].some((entries) => entries.get('user') === who);

if (name === 'alice') {
  // Alice stays online all along.
  add('a1', 'Buy milk');
  add('a2', 'Call the plumber');
  add('a3', 'Book train tickets');
  say('added 3 todos');
  await until(() => has('b1'));
  say("sees bob's first todo");
  await until(() => !online('bob'));
  say('sees bob go offline; edits on');
  rename(doc, 'a3', 'Book train tickets to Lyon');
  complete(doc, 'b1');
  add('a4', 'Buy a birthday present');
  await doc.synced();
  say('renamed a3, completed b1, added a4 (all on the server)');
} else {
  await until(() => has('a1') && has('a2') && has('a3'));
  add('b1', 'Water the plants');
  await doc.synced();
  say("sees alice's 3 todos, added 1; going offline");
  client.disconnect();
  // Offline: every edit applies at once and waits in the queue.
  complete(doc, 'a1');
  rename(doc, 'a2', 'Call the plumber before Friday');
  removeTodo(doc, 'a3');
  add('b2', 'Fix the bike light');
  add('b3', 'Pay the rent');
  say(`(offline) completed a1, renamed a2, removed a3, added b2 and b3: ${todos(doc).length} todos here`);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // offline for a while
  say(`reconnecting with changes waiting: ${doc.pending}`);
  client.reconnect();
  await doc.synced();
  say('back online: the server has every offline change');
}

const report = () => {
  const message: Report = {
    name,
    synced: !doc.pending,
    list: todos(doc),
    created,
    state: encode(TodoList, doc.state),
  };
  process.send?.(message);
};
doc.onChange(report);
report();
process.on('message', (message) => {
  if (message !== 'stop') return;
  client.close();
  process.disconnect(); // the IPC channel was the last thing keeping the process alive
});
