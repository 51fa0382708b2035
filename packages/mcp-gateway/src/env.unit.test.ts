import { describe, expect, it } from 'vitest';
import { mcpGatewayEnv } from './env.js';

describe('mcpGatewayEnv', () => {
  it('reads an empty or blank variable as unset, so it gets the "not set" message', () => {
    expect(mcpGatewayEnv.parse({ AIRLOCK_API_KEY: '', AIRLOCK_URL: ' ', AIRLOCK_MCP_CONFIG: '' })).toEqual({});
  });

  it('keeps set values and still refuses a URL that is not one', () => {
    expect(mcpGatewayEnv.parse({ AIRLOCK_API_KEY: 'alk_x', AIRLOCK_URL: 'http://localhost:3000' })).toEqual({ AIRLOCK_API_KEY: 'alk_x', AIRLOCK_URL: 'http://localhost:3000' });
    expect(mcpGatewayEnv.safeParse({ AIRLOCK_URL: 'localhost:3000' }).success).toBe(false);
  });
});
