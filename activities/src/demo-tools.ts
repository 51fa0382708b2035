import { randomUUID } from 'node:crypto';
import { echoSpec, failingSpec, refundSpec, sleepSpec } from '@airlock/core';
import { z } from 'zod';
import { defineTool, type ToolDefinition } from './tool-contract.js';

export const echoTool = defineTool({
  ...echoSpec,
  execute: async ({ message }) => ({ message }),
});

export const failingTool = defineTool({
  ...failingSpec,
  execute: async ({ message }) => {
    throw new Error(message);
  },
});

const RefundOutput = z.object({ entryId: z.string(), paymentId: z.string(), amount: z.string(), currency: z.string() });

export const refundTool = defineTool({
  ...refundSpec,
  // Keyed on the idempotency key: a repeated run returns the first run's entry.
  execute: async ({ paymentId, amount, currency, reason }, { db, idempotencyKey }) => {
    const entry = await db.prisma.ledgerEntry.upsert({
      where: { idempotencyKey },
      create: { id: randomUUID(), paymentId, kind: 'refund', amount, currency, memo: reason, idempotencyKey },
      update: {},
    });
    return { entryId: entry.id, paymentId, amount: entry.amount.toFixed(2), currency };
  },
  compensate: async (_args, output, { db }) => {
    const { entryId } = RefundOutput.parse(output);
    await db.prisma.ledgerEntry.updateMany({ where: { id: entryId, reversedAt: null }, data: { reversedAt: new Date() } });
  },
});

export const sleepTool = defineTool({
  ...sleepSpec,
  // Heartbeats so Temporal can deliver a cancellation (kill switch) while it waits.
  execute: async ({ ms }, { signal, heartbeat }) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (signal.aborted) throw new Error('cancelled while sleeping');
      heartbeat({ remainingMs: until - Date.now() });
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, until - Date.now())));
    }
    return { sleptMs: ms };
  },
});

export const demoTools: ToolDefinition[] = [echoTool, refundTool, failingTool, sleepTool] as ToolDefinition[];
