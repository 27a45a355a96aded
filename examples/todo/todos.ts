/**
 * The shared todo list: an OR-Map from todo id to an LWW-Map of its fields (`title`, `done`).
 * Two people editing different fields of one todo both win (each field is its own LWW-Map
 * entry); editing the same field, the later write wins; a todo removed by one while the other
 * edits it stays, with the edit (an OR-Map removal removes only what the remover has seen).
 */
import { LWWMap, ORMap } from '@nlbd/crdts';
import type { DocumentHandle } from '@nlbd/net';

/** The document's type: todo id → fields. */
export const TodoList = ORMap.of(LWWMap);

/** A document handle on a todo list, as `client.open('todos', TodoList)` gives it. */
export type TodoDoc = DocumentHandle<ReturnType<typeof TodoList.empty>, ReturnType<typeof TodoList.value>>;

/** One todo as the list shows it. */
export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
}

/** Writes `fields` of todo `id` (creating it if needed): one delta, one change to sync. */
function write(doc: TodoDoc, id: string, fields: { title?: string; done?: boolean }): void {
  doc.update((list, { replica, clock }) =>
    TodoList.update(list, replica, id, (todo) => {
      let delta = LWWMap.empty();
      let seen = todo;
      for (const [field, value] of [
        ['title', fields.title],
        ['done', fields.done],
      ] as const) {
        if (value === undefined) continue;
        // Each field's write must see the previous one, or the two would reuse one dot.
        const d = LWWMap.set(seen, replica, field, value, clock);
        delta = LWWMap.join(delta, d);
        seen = LWWMap.join(seen, d);
      }
      return delta;
    }),
  );
}

/** Adds a todo, not done. */
export const addTodo = (doc: TodoDoc, id: string, title: string) => write(doc, id, { title, done: false });
/** Changes a todo's title. */
export const rename = (doc: TodoDoc, id: string, title: string) => write(doc, id, { title });
/** Marks a todo done. */
export const complete = (doc: TodoDoc, id: string) => write(doc, id, { done: true });
/** Removes a todo (what this replica has seen of it). */
export const removeTodo = (doc: TodoDoc, id: string) => doc.update((list) => TodoList.remove(list, id));

/** The todos of the list, by id. */
export function todos(doc: TodoDoc): Todo[] {
  return [...doc.value]
    .map(([id, fields]) => ({
      id: String(id),
      title: String(fields.get('title') ?? '(untitled)'),
      done: fields.get('done') === true,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The list as lines: `[x] Buy milk (a1)`. */
export function render(list: readonly Todo[]): string[] {
  return list.map((t) => `[${t.done ? 'x' : ' '}] ${t.title} (${t.id})`);
}
