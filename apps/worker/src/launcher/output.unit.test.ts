import { describe, expect, it } from 'vitest';
import { databaseSummary } from './output.js';

describe("the launcher summary's database line", () => {
  it('shows no password, whether in the userinfo or as a query parameter', () => {
    const line = databaseSummary('postgresql://airlock:hunter2@db.example.com:5432/airlock?sslmode=require&password=s3cret&sslpassword=k3y', false);
    expect(line).toBe('postgresql://airlock:<password>@db.example.com:5432/airlock?sslmode=require&password=<password>&sslpassword=<sslpassword>');
    expect(line).not.toMatch(/hunter2|s3cret|k3y/);
  });

  it('marks the embedded database, and shows a URL without secrets as it is', () => {
    expect(databaseSummary('postgresql://postgres@127.0.0.1:54329/airlock', true)).toBe('postgresql://postgres@127.0.0.1:54329/airlock  (embedded)');
  });

  it('shows nothing of a connection string that is not a URL', () => {
    expect(databaseSummary('host=db password=hunter2', false)).toBe('(not a URL: DATABASE_URL is not shown)');
  });
});
