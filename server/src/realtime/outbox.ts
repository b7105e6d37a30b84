/** What an outbox needs of a WebSocket (ws's; tests hand in a fake). */
export interface OutboxSocket {
  readonly bufferedAmount: number;
  send(frame: string): void;
  /** ws's TCP socket, corked around a flush when present. */
  readonly _socket?: { cork(): void; uncork(): void };
}

/**
 * Writes the queued frames of many outboxes together, once per turn of the
 * event loop: after the current fan-out is done, each outbox with frames gets
 * one write. One per realtime service (not process-global), so two instances
 * in one process never flush each other's sockets.
 */
export class FlushScheduler {
  private readonly due = new Set<Outbox>();
  private scheduled = false;

  schedule(outbox: Outbox): void {
    this.due.add(outbox);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const outboxes = [...this.due];
      this.due.clear();
      for (const outbox of outboxes) outbox.flush();
    });
  }
}

/**
 * A connection's frames on their way to its socket, bounded. Frames are
 * queued and go out on the next turn in one corked write: a fan-out of
 * several changes in a row then costs one system call per connection, not one
 * per frame, which is most of a delivery's cost. When the socket's unsent
 * bytes plus the queue pass `limit` (a client that stopped reading), the queue
 * is dropped and `overflow` is called; the caller closes the connection.
 */
export class Outbox {
  private frames: string[] = [];
  private bytes = 0;
  private closed = false;

  constructor(
    private readonly socket: OutboxSocket,
    private readonly limit: number,
    private readonly scheduler: FlushScheduler,
    private readonly overflow: () => void,
  ) {}

  /** Queues a frame; false (and nothing queued) once closed or on overflow. */
  push(frame: string): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount + this.bytes > this.limit) {
      this.close();
      this.overflow();
      return false;
    }
    this.frames.push(frame);
    this.bytes += frame.length;
    if (this.frames.length === 1) this.scheduler.schedule(this);
    return true;
  }

  /** Writes the queued frames, corked into one write. */
  flush(): void {
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    if (this.closed || frames.length === 0) return;
    // ws corks the TCP socket around each frame; an outer cork makes the whole queue one writev.
    const raw = this.socket._socket;
    raw?.cork();
    for (const frame of frames) this.socket.send(frame);
    raw?.uncork();
  }

  /** Resolves once the unsent bytes are at most half the limit (a replay waits on it), or the outbox closed. */
  async drained(): Promise<void> {
    while (!this.closed && this.socket.bufferedAmount + this.bytes > this.limit / 2) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Drops what is queued; nothing more is written. */
  close(): void {
    this.closed = true;
    this.frames = [];
    this.bytes = 0;
  }
}
