import { onChangeLogged } from '../services/records/changes.ts';

/**
 * Says when a project's change log may have grown, so its change feed reads
 * at once instead of waiting for its next poll. `project` undefined = any
 * project (the feeds of all projects read). A wake may be spurious or merged
 * with others; feeds always read everything after their position.
 */
export interface ChangeBus {
  onWake(listener: (project: string | undefined) => void): () => void;
  close(): Promise<void>;
}

/** Listeners of a bus, shared by the drivers. */
export class WakeListeners {
  private readonly listeners = new Set<(project: string | undefined) => void>();

  add(listener: (project: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(project: string | undefined): void {
    for (const listener of this.listeners) listener(project);
  }
}

/**
 * The default bus, for one process on SQLite: woken by the records service
 * when it logs a change. The signal comes inside the write's transaction; the
 * feed's read queues behind it on the SQLite connection, so it sees the change
 * once committed. Wakes within one turn of the event loop are merged.
 */
export class InProcessBus implements ChangeBus {
  private readonly listeners = new WakeListeners();
  private pending = false;
  private readonly stop: () => void;

  constructor() {
    this.stop = onChangeLogged(() => {
      if (this.pending) return;
      this.pending = true;
      setImmediate(() => {
        this.pending = false;
        this.listeners.emit(undefined);
      });
    });
  }

  onWake(listener: (project: string | undefined) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.stop();
  }
}
