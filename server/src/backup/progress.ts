/** What long backup and restore work reports as it goes (the CLI prints it; the server logs nothing per step). */
export type Progress = (event: ProgressEvent) => void;

export type ProgressEvent =
  | { kind: 'step'; message: string }
  /** Storage objects copied so far for one project. */
  | { kind: 'objects'; project: string; done: number; total: number; bytes: number };

/** Progress nobody listens to. */
export const silent: Progress = () => {};
