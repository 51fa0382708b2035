import { describe, expect, it } from 'vitest';
import { describeFirstStart, resetPasswordCommand, type FirstStartCredentials } from './first-start.js';

const credentials: FirstStartCredentials = {
  admin: { userId: 'admin', email: 'admin@airlock.local', oneTimePassword: 'one-time', apiKey: 'alk_admin' },
  agent: { agentId: 'demo-agent', apiKey: 'alk_agent' },
};

describe('the first start’s reset-password hint', () => {
  it('carries what the CLI needs to find this start’s database, so it works as copied', () => {
    expect(resetPasswordCommand('admin', { dataDir: '.data', external: false })).toBe('npm run airlock -- users reset-password admin');
    expect(resetPasswordCommand('admin', { dataDir: '/srv/airlock', external: false })).toBe('AIRLOCK_DATA_DIR=/srv/airlock npm run airlock -- users reset-password admin');
    expect(resetPasswordCommand('admin', { dataDir: "/tmp/it's here", external: false })).toBe(
      `AIRLOCK_DATA_DIR='/tmp/it'\\''s here' npm run airlock -- users reset-password admin`,
    );
    expect(resetPasswordCommand('admin', { dataDir: '.data', external: true })).toBe("DATABASE_URL=<this database's URL> npm run airlock -- users reset-password admin");
  });

  it('for an external database, names the database actually used, with a placeholder for its password and never the password', () => {
    const reset = (url: string) => resetPasswordCommand('admin', { dataDir: '/srv/airlock', external: url });
    expect(reset('postgresql://airlock:hunter2@db.example:5432/airlock')).toBe(
      "DATABASE_URL='postgresql://airlock:<password>@db.example:5432/airlock' npm run airlock -- users reset-password admin",
    );
    expect(reset('postgresql://airlock:hunter2@db.example/airlock?sslmode=require&sslpassword=k3y')).toBe(
      "DATABASE_URL='postgresql://airlock:<password>@db.example/airlock?sslmode=require&sslpassword=<sslpassword>' npm run airlock -- users reset-password admin",
    );
    // No password in it: the URL as it is, quoted only where a shell would read something into it.
    expect(reset('postgresql://airlock@db.example:5432/airlock')).toBe('DATABASE_URL=postgresql://airlock@db.example:5432/airlock npm run airlock -- users reset-password admin');
    expect(reset('postgresql://db.example/airlock?application_name=airlock')).toBe(
      "DATABASE_URL='postgresql://db.example/airlock?application_name=airlock' npm run airlock -- users reset-password admin",
    );
    // Not a URL (a libpq connection string): nothing of it is shown.
    expect(reset('host=db.example password=hunter2')).toBe("DATABASE_URL=<this database's URL> npm run airlock -- users reset-password admin");
    for (const url of ['postgresql://airlock:hunter2@db.example/airlock', 'postgresql://db.example/airlock?password=hunter2', 'host=db password=hunter2']) {
      expect(describeFirstStart(credentials, 'http://localhost:3000', { dataDir: '.data', external: url }).join('\n')).not.toContain('hunter2');
    }
  });
});
