import autocannon from 'autocannon';

/** One load run's outcome, reduced to what the report needs. */
export interface Measurement {
  /** Successful (2xx) responses per second over the run. */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  avgMs: number;
  /** 2xx responses. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  /** Base URL: only http://127.0.0.1:<port> is accepted. */
  url: string;
  connections: number;
  seconds: number;
  /** One request template; `setupRequest` may vary it per request. */
  request: autocannon.Request;
}

let current: autocannon.Instance | undefined;

/** Stops the load run in progress, if any (SIGINT). */
export function stopCurrentLoad(): void {
  current?.stop();
}

/** Loads `url` for `seconds` with `connections` keep-alive connections and returns the figures. */
export function load(options: LoadOptions): Promise<Measurement> {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
    throw new Error(`the bench only targets http://127.0.0.1, not ${options.url}`);
  }
  if (!(options.seconds > 0 && options.seconds <= 600)) throw new Error(`bad duration ${options.seconds}s`);
  return new Promise((resolve, reject) => {
    current = autocannon(
      {
        url: url.origin,
        connections: options.connections,
        duration: options.seconds,
        pipelining: 1,
        timeout: 10,
        requests: [options.request],
      },
      (err, result) => {
        current = undefined;
        if (err) return reject(err);
        resolve(toMeasurement(result));
      },
    );
  });
}

function toMeasurement(r: autocannon.Result): Measurement {
  const seconds = r.duration > 0 ? r.duration : 1;
  return {
    reqPerSec: r['2xx'] / seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    avgMs: r.latency.average,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}

/** Several rounds of one side as one measurement: total 2xx over total time; latencies averaged. */
export function combine(rounds: Measurement[]): Measurement {
  if (rounds.length === 1) return rounds[0];
  const sum = (f: (m: Measurement) => number) => rounds.reduce((a, m) => a + f(m), 0);
  const mean = (f: (m: Measurement) => number) => sum(f) / rounds.length;
  const statusCodes: Record<string, number> = {};
  for (const m of rounds) for (const [code, n] of Object.entries(m.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    reqPerSec: sum((m) => m.ok) / sum((m) => m.seconds),
    p50Ms: mean((m) => m.p50Ms),
    p99Ms: mean((m) => m.p99Ms),
    avgMs: mean((m) => m.avgMs),
    ok: sum((m) => m.ok),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    seconds: sum((m) => m.seconds),
    statusCodes,
  };
}
