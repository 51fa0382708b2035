import { performance } from 'node:perf_hooks';
import { cpuByPid, cpuSpent } from './cpu.js';
import type { Probe } from './probes.js';

export interface ProbeResult {
  probe: Probe;
  samples: number[];
  bytes: number;
  /** CPU time the console's and PostgreSQL's processes spent on the recorded requests, summed. */
  consoleCpuMs: number;
  postgresCpuMs: number;
}

/** The processes whose CPU time is charged to each request. */
export interface Watched {
  console: number[];
  postgres: number[];
}

async function once(baseUrl: string, probe: Probe, headers: Record<string, string>): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${probe.path}`, { headers, redirect: 'manual' });
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200 || !body.includes(probe.expect)) {
    throw new Error(`${probe.name}: HTTP ${response.status}, ${body.length} bytes, "${probe.expect}" ${body.includes(probe.expect) ? 'found' : 'missing'}`);
  }
  return { ms, bytes: body.length };
}

/**
 * Round-robin over the probes, one request at a time (server response time,
 * not throughput): each round asks every probe once, so load from other work on
 * the machine falls on all of them alike. Warm-up rounds are not recorded.
 */
export async function measureProbes(
  baseUrl: string,
  probes: Probe[],
  auth: { cookie: string; apiKey: string },
  options: { warmup: number; requests: number; watched: () => Promise<Watched>; onRound?: (round: number) => void },
): Promise<ProbeResult[]> {
  const headersFor = (p: Probe): Record<string, string> => (p.auth === 'session' ? { cookie: auth.cookie } : { authorization: `Bearer ${auth.apiKey}` });
  const results: ProbeResult[] = probes.map((probe) => ({ probe, samples: [], bytes: 0, consoleCpuMs: 0, postgresCpuMs: 0 }));
  let watched: Watched = { console: [], postgres: [] };
  for (let round = 0; round < options.warmup + options.requests; round++) {
    // The pool has opened its connections by the end of the warm-up; look again now and then in case it replaced one.
    if (round === options.warmup || (round > options.warmup && round % 25 === 0)) watched = await options.watched();
    for (const result of results) {
      const before = await Promise.all([cpuByPid(watched.console), cpuByPid(watched.postgres)]);
      const { ms, bytes } = await once(baseUrl, result.probe, headersFor(result.probe));
      if (round >= options.warmup) {
        const after = await Promise.all([cpuByPid(watched.console), cpuByPid(watched.postgres)]);
        result.samples.push(ms);
        result.consoleCpuMs += cpuSpent(before[0], after[0]);
        result.postgresCpuMs += cpuSpent(before[1], after[1]);
      }
      result.bytes = bytes;
    }
    options.onRound?.(round);
  }
  return results;
}
