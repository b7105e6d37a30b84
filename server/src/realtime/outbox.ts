/** A frame for a socket: text, as a string or as its UTF-8 bytes (a frame shared by many sockets is encoded once). */
export type Frame = string | Buffer;

/** What an outbox needs of a WebSocket (ws's; tests hand in a fake). */
export interface OutboxSocket {
  readonly bufferedAmount: number;
  /** ws's send: `{ binary: false }` makes a Buffer a text frame, as a string is. */
  send(frame: Frame, options: { binary: false }): void;
  /** ws's TCP socket, corked around a flush of several frames when present. */
  readonly _socket?: { cork(): void; uncork(): void };
}

// One options object for every send: a Buffer goes out as the text frame it encodes.
const TEXT = { binary: false } as const;

/**
 * Writes the queued frames of many outboxes together: after the current
 * fan-out is done (`flushNow`, which the hub calls at the end of each batch
 * of changes it delivers), or else on the next turn of the event loop. Each
 * outbox with frames gets one write. One per realtime service (not
 * process-global), so two instances in one process never flush each other's
 * sockets.
 */
export class FlushScheduler {
  private due: Outbox[] = [];
  private scheduled = false;

  /** Called by an outbox when its first frame is queued (so each outbox is listed once). */
  schedule(outbox: Outbox): void {
    this.due.push(outbox);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushNow();
    });
  }

  /** Writes every outbox with queued frames, now. */
  flushNow(): void {
    const due = this.due;
    if (due.length === 0) return;
    this.due = [];
    for (let i = 0; i < due.length; i++) due[i].flush();
  }
}

/**
 * A connection's frames on their way to its socket, bounded. Frames are
 * queued and go out together in one corked write once the fan-out that
 * queued them is done: a fan-out of several changes in a row then costs one
 * system call per connection, not one per frame, which is most of a
 * delivery's cost. When the socket's unsent bytes plus the queue pass `limit`
 * (a client that stopped reading), the queue is dropped and `overflow` is
 * called; the caller closes the connection.
 */
export class Outbox {
  /** The first queued frame; `more` holds the rest (most flushes carry one frame: no array for them). */
  private first: Frame | undefined;
  private more: Frame[] | undefined;
  private bytes = 0;
  private closed = false;

  constructor(
    private readonly socket: OutboxSocket,
    private readonly limit: number,
    private readonly scheduler: FlushScheduler,
    private readonly overflow: () => void,
  ) {}

  /** Queues a frame; false (and nothing queued) once closed or on overflow. */
  push(frame: Frame): boolean {
    if (!this.admits()) return false;
    this.bytes += frame.length;
    if (this.first === undefined) {
      this.first = frame;
      this.scheduler.schedule(this);
    } else {
      (this.more ??= []).push(frame);
    }
    return true;
  }

  /**
   * Writes a frame now when nothing is queued (else queues it behind what is,
   * keeping the order): for a frame with no other to share its write (the
   * fan-out of a lone change), waiting for the flush only delays it and keeps
   * it alive meanwhile. When the socket still holds unsent bytes, Node
   * buffers the frame and writes it with them. The send-buffer bound applies
   * as to push. False once closed or on overflow.
   */
  write(frame: Frame): boolean {
    if (this.first !== undefined) return this.push(frame);
    if (!this.admits()) return false;
    this.socket.send(frame, TEXT);
    return true;
  }

  /** The bound: false when closed, or (closing it, reporting the overflow once) when over the limit. */
  private admits(): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount + this.bytes > this.limit) {
      this.close();
      this.overflow();
      return false;
    }
    return true;
  }

  /** Writes the queued frames, corked into one write when there are several. */
  flush(): void {
    const { first, more } = this;
    this.first = this.more = undefined;
    this.bytes = 0;
    if (this.closed || first === undefined) return;
    if (more === undefined) {
      // ws corks the header and the payload of one frame into one write itself.
      this.socket.send(first, TEXT);
      return;
    }
    // ws corks the TCP socket around each frame; an outer cork makes the whole queue one writev.
    const raw = this.socket._socket;
    raw?.cork();
    this.socket.send(first, TEXT);
    for (let i = 0; i < more.length; i++) this.socket.send(more[i], TEXT);
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
    this.first = this.more = undefined;
    this.bytes = 0;
  }
}
