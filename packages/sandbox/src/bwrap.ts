import { lstat, readlink } from 'node:fs/promises';

/** Where the run's scratch directory appears inside the sandbox; also its working directory. */
export const SCRATCH_MOUNT = '/scratch';
/** The only variables inside, unless a request sets more. */
export const SANDBOX_PATH = '/usr/bin:/bin';

/**
 * How the host's top-level /bin, /lib... look: merged-/usr hosts have symlinks
 * (replicated as symlinks), others real directories (bound read-only).
 */
export async function describeRootLinks(): Promise<string[]> {
  const args: string[] = [];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    const stat = await lstat(dir).catch(() => undefined);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push('--symlink', await readlink(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

export interface BwrapLayout {
  rootLinks: readonly string[];
  readOnlyPaths: readonly string[];
  disableUserns: boolean;
  /** The compiled seccomp filter, when this architecture has a syscall table. */
  seccomp: Buffer | undefined;
}

/**
 * The file descriptors bwrap is given besides stdio. Arguments arrive on a pipe
 * (`--args`), not on the command line: the host's `ps` and the sandbox's
 * `/proc/1/cmdline` (bwrap's own init) then show only `bwrap --args 4 -- <command>`,
 * never the environment values or the layout.
 */
export const FD = { info: 3, args: 4, seccomp: 5, block: 6 } as const;

export interface BwrapRun {
  scratchBytes: number;
  tmpBytes: number;
  env: Record<string, string>;
}

/**
 * The sandbox: every namespace unshared (no network, own PID tree), a cleared
 * environment, a read-only root holding only /usr and a few /etc files, private
 * /proc, /dev (read-only), and two size-capped tmpfs: /scratch (the working
 * directory) and /tmp. No host directory is writable or even bind-mounted
 * writable, so nothing of the host (no path, no pid) shows in /proc/self/mountinfo,
 * and writing more than the sizes fails with ENOSPC.
 *
 * bwrap reports the sandbox's pid on the info fd, then waits on the block fd once
 * its mounts are set up (the worker opens the tmpfs to watch their use), then
 * loads the seccomp filter and executes the command.
 */
export function bwrapArgs(layout: BwrapLayout, run: BwrapRun): string[] {
  const env = { ...run.env, PATH: SANDBOX_PATH, HOME: SCRATCH_MOUNT };
  return [
    '--unshare-all',
    '--unshare-user',
    ...(layout.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    ...Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]),
    '--ro-bind',
    '/usr',
    '/usr',
    ...layout.rootLinks,
    ...layout.readOnlyPaths.flatMap((p) => ['--ro-bind-try', p, p]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--remount-ro',
    '/dev',
    '--size',
    String(run.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--size',
    String(run.scratchBytes),
    '--tmpfs',
    SCRATCH_MOUNT,
    '--remount-ro',
    '/',
    '--chdir',
    SCRATCH_MOUNT,
    '--hostname',
    'sandbox',
    '--info-fd',
    String(FD.info),
    '--block-fd',
    String(FD.block),
    ...(layout.seccomp ? ['--seccomp', String(FD.seccomp)] : []),
  ];
}

/** The NUL-separated form `--args FD` reads. */
export function argsPayload(args: readonly string[]): Buffer {
  return Buffer.from(args.map((a) => `${a}\0`).join(''), 'utf8');
}
