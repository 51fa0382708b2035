// Run by hardening.test.ts in a child process that inherited a file at fd 9 without close-on-exec.
import { readFileSync, readlinkSync } from 'node:fs';
import { createSandbox } from '@airlock/sandbox';

const flags = /^flags:\s*(\d+)$/m.exec(readFileSync('/proc/self/fdinfo/250', 'utf8'))?.[1];
process.stdout.write(`worker fd250: ${readlinkSync('/proc/self/fd/250')} inheritable ${(parseInt(flags ?? '0', 8) & 0o2000000) === 0}\n`);
const sandbox = await createSandbox({ selfTest: false });
if (!sandbox.capabilities.available) throw new Error(sandbox.capabilities.reason);
const result = await sandbox.run({ command: ['/bin/sh', '-c', 'echo "fd250: $(readlink /proc/self/fd/250)"; echo leaked >&250'], timeoutMs: 30_000 });
process.stdout.write(result.stdout);
