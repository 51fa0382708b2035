import { describe, expect, it } from 'vitest';
import { resetPasswordCommand } from './first-start.js';

describe('the first start’s reset-password hint', () => {
  it('carries what the CLI needs to find this start’s database, so it works as copied', () => {
    expect(resetPasswordCommand('admin', { dataDir: '.data', external: false })).toBe('npm run airlock -- users reset-password admin');
    expect(resetPasswordCommand('admin', { dataDir: '/srv/airlock', external: false })).toBe('AIRLOCK_DATA_DIR=/srv/airlock npm run airlock -- users reset-password admin');
    expect(resetPasswordCommand('admin', { dataDir: "/tmp/it's here", external: false })).toBe(
      `AIRLOCK_DATA_DIR='/tmp/it'\\''s here' npm run airlock -- users reset-password admin`,
    );
    expect(resetPasswordCommand('admin', { dataDir: '.data', external: true })).toBe("DATABASE_URL=<this database's URL> npm run airlock -- users reset-password admin");
  });
});
