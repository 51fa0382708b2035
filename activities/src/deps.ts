import type { RiskClassifier } from '@airlock/core';
import type { Db } from '@airlock/db';
import type { ToolRegistry } from './tools/define.js';

/** Everything activities touch, injected so tests can choose real or fake parts. */
export interface ActivityDeps {
  db: Db;
  tools: ToolRegistry;
  classifier: RiskClassifier;
}
