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
}

/**
 * The sandbox: every namespace unshared (no network, own PID tree), a cleared
 * environment, a read-only root holding only /usr and a few /etc files, private
 * /proc, /dev (read-only) and a size-capped /tmp, and the scratch directory as
 * the only writable host path. bwrap reports the sandbox's pid on fd 3 once it is set up.
 */
export function bwrapArgs(layout: BwrapLayout, run: { scratchDir: string; tmpBytes: number; env: Record<string, string> }): string[] {
  const env = { ...run.env, PATH: SANDBOX_PATH, HOME: SCRATCH_MOUNT };
  return [
    '--unshare-all',
    '--unshare-user',
    ...(layout.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    ...Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]),
    '--ro-bind', '/usr', '/usr',
    ...layout.rootLinks,
    ...layout.readOnlyPaths.flatMap((p) => ['--ro-bind-try', p, p]),
    '--proc', '/proc',
    '--dev', '/dev',
    '--remount-ro', '/dev',
    '--size', String(run.tmpBytes),
    '--tmpfs', '/tmp',
    '--bind', run.scratchDir, SCRATCH_MOUNT,
    '--remount-ro', '/',
    '--chdir', SCRATCH_MOUNT,
    '--hostname', 'sandbox',
    '--info-fd', '3',
  ];
}
