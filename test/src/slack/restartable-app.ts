import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import type { FakeSlackApi } from './fake-slack-api.js';
import { startSlackAppProcess, type SlackAppProcess, type SlackAppProcessOptions } from './slack-app.js';

/**
 * The Slack app process of a test file that kills it and starts it again (slack-app-process.ts, one at a time): the
 * process now running, if any, and the file's ways to start, kill and read it.
 */
export class RestartableSlackApp {
  /** The process now running: none before the first start, nor after a kill until the next start. */
  current: SlackAppProcess | undefined;

  async start(h: Harness, fake: FakeSlackApi, options: SlackAppProcessOptions): Promise<SlackAppProcess> {
    this.current = await startSlackAppProcess(h, fake, options);
    return this.current;
  }

  /** The process now running; fails the test if none is. */
  get running(): SlackAppProcess {
    if (!this.current) throw new Error('no Slack app process is running');
    return this.current;
  }

  /** What the running process printed, for a wait that times out. */
  readonly output = (): string => (this.current ? `the app's output:\n${this.current.output()}` : 'no app running');

  /** SIGKILL: no shutdown, nothing the process held in memory survives. */
  async kill(): Promise<void> {
    const status = await this.running.stop('SIGKILL');
    expect(status).toMatchObject({ signal: 'SIGKILL' });
    this.current = undefined;
  }

  /** For a file's afterEach and afterAll: SIGKILLs the process a test left running (it failed midway), if any. */
  async stop(): Promise<void> {
    await this.current?.stop('SIGKILL');
    this.current = undefined;
  }
}
