// The README's todo walkthrough as one function, run by the tests in Node
// and in Chromium: every step an app developer follows, with what each
// step observed, so the tests can assert on it.
import { isBaasError, memoryStore } from '@baas/sdk';
import { addTodo, attach, attachment, connect, search, toggle, watchOpenTodos, type Todo } from './app.ts';

// The browser test drives these directly too.
export { addTodo, connect };

/** What the walkthrough saw. */
export interface ScenarioReport {
  userId: string;
  /** The titles of the live list after each step that changed it. */
  live: string[][];
  searchHits: string[];
  uploaded: { text: string; progressEnd: number; attachment: string | null };
  otherUser: { sees: number; download: string; update: string };
  afterSignOut: { user: null | string; guestSees: number };
}

/** Resolves when `check()` holds, polling; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function codeOf(err: unknown): string {
  return isBaasError(err) ? `${err.status} ${err.code}` : String(err);
}

export async function runTodoScenario(url: string, email: string): Promise<ScenarioReport> {
  // 1. Sign up (or signIn next time): the session is kept and refreshed by the SDK.
  const client = connect(url);
  const { user } = await client.auth.signUp({ email, password: 'correct horse battery' });

  // 2. A live list of open todos.
  let open: Todo[] = [];
  const live: string[][] = [];
  const stop = watchOpenTodos(client, (todos) => {
    open = todos;
    live.push(todos.map((t) => t.title));
  });
  await until(() => live.length > 0, 'the first list');

  // 3. Add todos: they appear in the live list through realtime.
  const milk = await addTodo(client, 'buy milk');
  const docs = await addTodo(client, "write the README's SDK section");
  await until(() => open.length === 2, 'two open todos');

  // 4. Search with user input, safely.
  const searchHits = (await search(client, "README's")).map((t) => t.title);

  // 5. Done: the todo leaves the list of open ones.
  await toggle(client, milk);
  await until(() => open.length === 1, 'the toggled todo to leave');

  // 6. An attachment, with upload progress.
  let progressEnd = 0;
  const text = 'remember: the SDK section';
  const withFile = await attach(client, docs, new Blob([text], { type: 'text/plain' }), 'notes.txt', (loaded) => (progressEnd = loaded));
  const downloaded = await (await attachment(client, withFile)).text();
  stop();

  // 7. Another user (a client of its own: in a browser both would share localStorage) sees none of it.
  const other = connect(url, { auth: { store: memoryStore() } });
  await other.auth.signUp({ email: `other-${email}`, password: 'correct horse battery' });
  const sees = (await other.collection('todos').list()).items.length;
  const download = await attachment(other, withFile).then(() => 'allowed', codeOf);
  const update = await other.collection('todos').update(docs.id, { title: 'mine now' }).then(() => 'allowed', codeOf);
  await other.auth.signOut();

  // 8. Sign out: the client is a guest again.
  await client.auth.signOut();
  const guestSees = (await client.collection('todos').list()).items.length;
  client.close();
  other.close();

  return {
    userId: user.id,
    live,
    searchHits,
    uploaded: { text: downloaded, progressEnd, attachment: withFile.attachment },
    otherUser: { sees, download, update },
    afterSignOut: { user: client.auth.user?.id ?? null, guestSees },
  };
}
