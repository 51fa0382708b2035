/**
 * A warm sandbox is started before its run is known, so its command is this
 * fixed sh line: it reads one line from stdin (the run's command line, written
 * when a run takes the sandbox), evaluates it, and the rest of stdin is the
 * run's own input. dash reads a pipe a byte at a time, so it never reads past
 * that line. The line only sets the arguments, the environment and the CPU-time
 * limit, then execs the command: PID 1 (bwrap's init), the namespaces, mounts,
 * seccomp filter and cgroups are the same as a cold run's.
 */
export const WARM_SHELL = '/bin/sh';

// `nl` is set before the line is read and used only while `set --` and `export` expand their words: a variable the
// run sets cannot change how its own arguments read.
export const WARM_SCRIPT = `nl='
'; IFS= read -r line || { echo 'airlock: the sandbox got no command' >&2; exit 125; }; eval "$line"`;

/** One word for sh: single-quoted, a quote as '\'', a newline spliced in from `$nl` so the line stays one line. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`).replaceAll('\n', `'"$nl"'`)}'`;
}

/**
 * The line a warm sandbox evaluates: what a cold run gives bwrap (`--setenv`, the
 * command) and its launcher (`ulimit -t`), for this run. PATH and HOME stay the
 * sandbox's, as bwrapArgs keeps them; sh's own PWD and OLDPWD are dropped.
 */
export function warmCommandLine(command: readonly string[], env: Readonly<Record<string, string>>, cpuSeconds: number): Buffer {
  const exported = Object.entries(env).filter(([name]) => name !== 'PATH' && name !== 'HOME');
  const steps = [
    `set -- ${command.map(quote).join(' ')}`,
    'unset PWD OLDPWD',
    ...(exported.length > 0 ? [`export ${exported.map(([name, value]) => `${name}=${quote(value)}`).join(' ')}`] : []),
    `ulimit -t ${cpuSeconds} || exit 125`,
    'exec "$@"',
  ];
  return Buffer.from(`${steps.join('; ')}\n`, 'utf8');
}
