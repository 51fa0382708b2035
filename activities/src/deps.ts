import type { Db } from '@airlock/db';
import type { CompiledPolicy } from '@airlock/policy';
import type { KillPoint } from './kill-points.js';
import type { ShadowPolicySource } from './shadow.js';
import type { ToolRegistry } from './tool-contract.js';

/** The active policy; a store swaps it on reload, keeping the last good one. */
export interface PolicySource {
  current(): CompiledPolicy;
}

/** Everything activities touch, injected so tests can choose real or fake parts. */
export interface ActivityDeps {
  db: Db;
  tools: ToolRegistry;
  policy: PolicySource;
  /** Shadow mode: a candidate assessed beside the live policy at admission; absent = off. */
  shadow?: ShadowPolicySource;
  /** How long one attempt of a tool's execute may run before it is stopped and failed (TOOL_RUN_STOP_MS; tests shorten it). */
  toolRunLimitMs?: number;
  /** Crash tests only: called at each step of the decision path (kill-points.ts). */
  killPoint?: (point: KillPoint) => void;
}
