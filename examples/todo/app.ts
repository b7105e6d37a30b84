// The app side of the todo example: what runs in the browser (or a Node
// client). Types come from `baas gen types --project app --out examples/todo/schema.ts`.
import { createClient, type BaasClient, type ClientOptions, type Unsubscribe } from '@baas/sdk';
import type { Schema, TodosRecord } from './schema.ts';

export type Todo = TodosRecord;
export type TodoClient = BaasClient<Schema>;

/** A client of the `app` project; the session persists in localStorage in a browser, in memory in Node. */
export function connect(url: string, options: Partial<ClientOptions> = {}): TodoClient {
  return createClient<Schema>({ url, project: 'app', ...options });
}

/** Adds a todo owned by the signed-in user (the create rule checks `owner = auth.id`). */
export function addTodo(client: TodoClient, title: string): Promise<Todo> {
  const me = client.auth.user;
  if (!me) throw new Error('sign in first');
  return client.collection('todos').create({ title, owner: me.id });
}

/** Marks a todo done or not done. */
export async function toggle(client: TodoClient, todo: Todo): Promise<Todo> {
  // update() answers null only for a record the view rule hides; owners see their own todos.
  return (await client.collection('todos').update(todo.id, { done: !todo.done }))!;
}

/** The open todos, oldest first, kept live: `render` runs now and after every change. */
export function watchOpenTodos(client: TodoClient, render: (todos: Todo[]) => void): Unsubscribe {
  return client.collection('todos').watch({ filter: 'done = false', sort: 'created_at' }, (todos) => render(todos));
}

/** Todos whose title contains `text` (user input: placed with `filter`, never pasted into the expression). */
export async function search(client: TodoClient, text: string): Promise<Todo[]> {
  const { items } = await client.collection('todos').list({ filter: client.filter('title ~ {:text}', { text }), sort: '-created_at' });
  return items;
}

/** Uploads a file into the user's folder of `attachments` and links it to the todo. */
export async function attach(client: TodoClient, todo: Todo, file: Blob, name: string, onProgress?: (loaded: number, total?: number) => void): Promise<Todo> {
  const path = `${todo.owner}/${todo.id}/${name}`;
  await client.storage.bucket('attachments').upload(path, file, { onProgress, upsert: true });
  return (await client.collection('todos').update(todo.id, { attachment: `attachments/${path}` }))!;
}

/** The attachment of a todo as a Blob. */
export function attachment(client: TodoClient, todo: Todo): Promise<Blob> {
  if (!todo.attachment) throw new Error('this todo has no attachment');
  const [bucket, ...path] = todo.attachment.split('/');
  return client.storage.bucket(bucket).download(path.join('/'));
}
