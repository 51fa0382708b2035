import type { UseCase } from '@airlock/ops';
import type { z } from 'zod';

/**
 * The same use case, counting how many times its transaction body ran: runUseCase
 * runs it again after a deadlock or serialization failure, and only then.
 */
export function countingAttempts<S extends z.ZodType, R>(useCase: UseCase<S, R>): { useCase: UseCase<S, R>; attempts: () => number } {
  let attempts = 0;
  return {
    useCase: {
      ...useCase,
      write: (tx, input, operator) => {
        attempts++;
        return useCase.write(tx, input, operator);
      },
    },
    attempts: () => attempts,
  };
}
