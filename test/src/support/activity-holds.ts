import type { Db } from '@airlock/db';
import { Context } from '@temporalio/activity';

/**
 * Activity types held at their first database connection, until released: slow, with nothing written yet.
 * One map per process (files share a worker process and run one after another there): release every hold
 * after each test (`releaseAllHolds`), so a failed case leaves nothing stuck for the next one.
 */
const holds = new Map<string, { entered: () => void; released: Promise<void>; release: () => void }>();

/** Holds the next activity of `activityType` at its database connection; `entered` resolves once it waits there. */
export function hold(activityType: string): { entered: Promise<void>; release: () => void } {
  let entered!: () => void;
  let letGo!: () => void;
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (letGo = resolve));
  const release = () => {
    holds.delete(activityType);
    letGo();
  };
  holds.set(activityType, { entered, released, release });
  return { entered: enteredPromise, release };
}

export function releaseAllHolds(): void {
  for (const held of [...holds.values()]) held.release();
}

function currentActivityType(): string | undefined {
  try {
    return Context.current().info.activityType;
  } catch {
    return undefined; // not inside an activity
  }
}

/** `db` whose pool makes a held activity wait before it connects (Prisma keeps the real pool: no held activity uses it to write). */
export function withHolds(db: Db): Db {
  const pool = new Proxy(db.pool, {
    get(target, property) {
      if (property === 'connect') {
        return async (...args: unknown[]) => {
          const held = holds.get(currentActivityType() ?? '');
          if (held) {
            held.entered();
            await held.released;
          }
          return (target.connect as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...db, pool };
}
