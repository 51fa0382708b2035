import type { CircuitBreakers, CircuitState } from '@airlock/tools';
import type { SandboxResult } from '@airlock/sandbox';
import { Gauge } from 'prom-client';
import type { WorkerMetrics } from './metrics.js';

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/** For `createBuiltinTools(config, { onSandboxRun })`: counts the runs the sandbox killed. */
export function countSandboxKills(metrics: WorkerMetrics): (result: SandboxResult) => void {
  return (result) => {
    if (result.killedBy) metrics.sandboxKills.inc({ reason: result.killedBy });
  };
}

/**
 * Circuit state per tool or endpoint, read from the breakers at scrape time:
 * one series per state, 1 for the current one (the usual Prometheus enum shape).
 */
export function exposeCircuitBreakers(metrics: WorkerMetrics, breakers: CircuitBreakers): void {
  new Gauge({
    name: 'airlock_circuit_breaker_state',
    help: 'Circuit breaker state per tool or endpoint key: 1 for the current state (closed, open, half_open).',
    labelNames: ['key', 'state'] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const circuit of breakers.snapshot()) {
        for (const state of CIRCUIT_STATES) this.set({ key: circuit.key, state }, circuit.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'airlock_circuit_breaker_consecutive_failures',
    help: 'Consecutive failures per tool or endpoint key (the circuit opens at the configured threshold).',
    labelNames: ['key'] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const circuit of breakers.snapshot()) this.set({ key: circuit.key }, circuit.consecutiveFailures);
    },
  });
}
