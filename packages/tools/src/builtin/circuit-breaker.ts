import { z } from 'zod';

export const CircuitBreakerOptions = z
  .object({
    /** Consecutive failures that open the circuit. */
    failureThreshold: z.number().int().min(1).default(5),
    /** How long an open circuit fast-fails before one probe is let through. */
    cooldownMs: z.number().int().min(1).default(30_000),
  })
  .strict();
export type CircuitBreakerOptions = z.infer<typeof CircuitBreakerOptions>;

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitSnapshot {
  key: string;
  state: CircuitState;
  consecutiveFailures: number;
  /** When the open circuit lets a probe through (epoch ms); null unless open. */
  nextProbeAt: number | null;
  lastError: string | null;
}

/** A fast failure: the endpoint failed repeatedly; the message is written for the agent. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError';
  constructor(
    readonly key: string,
    readonly retryAfterMs: number,
    failures: number,
    lastError: string | null,
  ) {
    super(
      `circuit open for ${key}: ${failures} consecutive failures (last: ${lastError ?? 'unknown'}). ` +
        `Not attempted. Fallback: do not retry this call now; try again in about ${Math.ceil(retryAfterMs / 1000)}s, ` +
        `use another approach, or ask a human.`,
    );
  }
}

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  lastError: string | null;
  /** Half-open: the one call allowed through is in flight. */
  probing: boolean;
}

/**
 * Circuit breakers per tool or endpoint key (e.g. `http.request:api.example.com`).
 * In memory, per worker: each worker learns an endpoint is down on its own, which
 * costs at most `failureThreshold` failed calls per worker.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  readonly options: CircuitBreakerOptions;

  constructor(
    options: z.input<typeof CircuitBreakerOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = CircuitBreakerOptions.parse(options);
  }

  /**
   * Runs `call` unless the circuit is open. `isFailure` decides which outcomes
   * count against the endpoint (a refused request or a 4xx says nothing about its health).
   */
  async run<T>(key: string, call: () => Promise<T>, isFailure: (outcome: { error?: unknown; value?: T }) => boolean = ({ error }) => error !== undefined): Promise<T> {
    const circuit = this.admit(key);
    let value: T;
    try {
      value = await call();
    } catch (error) {
      if (isFailure({ error })) this.recordFailure(circuit, error instanceof Error ? error.message : String(error));
      else this.release(circuit);
      throw error;
    }
    if (isFailure({ value })) this.recordFailure(circuit, 'the call returned a failure');
    else this.recordSuccess(circuit);
    return value;
  }

  state(key: string): CircuitSnapshot {
    return this.snapshotOf(key, this.circuits.get(key));
  }

  /** Every known circuit, for metrics and health pages. */
  snapshot(): CircuitSnapshot[] {
    return [...this.circuits.entries()].map(([key, c]) => this.snapshotOf(key, c));
  }

  private snapshotOf(key: string, c: Circuit | undefined): CircuitSnapshot {
    if (!c) return { key, state: 'closed', consecutiveFailures: 0, nextProbeAt: null, lastError: null };
    const state = c.state === 'open' && this.now() >= c.openedAt + this.options.cooldownMs ? 'half_open' : c.state;
    return { key, state, consecutiveFailures: c.failures, nextProbeAt: c.state === 'open' ? c.openedAt + this.options.cooldownMs : null, lastError: c.lastError };
  }

  private admit(key: string): Circuit {
    let circuit = this.circuits.get(key);
    if (!circuit) {
      circuit = { state: 'closed', failures: 0, openedAt: 0, lastError: null, probing: false };
      this.circuits.set(key, circuit);
    }
    if (circuit.state === 'open') {
      const wait = circuit.openedAt + this.options.cooldownMs - this.now();
      if (wait > 0) throw new CircuitOpenError(key, wait, circuit.failures, circuit.lastError);
      circuit.state = 'half_open';
    }
    if (circuit.state === 'half_open') {
      // One probe at a time; the rest fast-fail until it reports back.
      if (circuit.probing) throw new CircuitOpenError(key, this.options.cooldownMs, circuit.failures, circuit.lastError);
      circuit.probing = true;
    }
    return circuit;
  }

  private recordSuccess(circuit: Circuit): void {
    circuit.state = 'closed';
    circuit.failures = 0;
    circuit.lastError = null;
    circuit.probing = false;
  }

  private release(circuit: Circuit): void {
    circuit.probing = false;
  }

  private recordFailure(circuit: Circuit, message: string): void {
    circuit.failures++;
    circuit.lastError = message;
    if (circuit.state === 'half_open' || circuit.failures >= this.options.failureThreshold) {
      circuit.state = 'open';
      circuit.openedAt = this.now();
    }
    circuit.probing = false;
  }
}
