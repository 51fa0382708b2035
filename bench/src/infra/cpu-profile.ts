/** Node flags that write a V8 CPU profile of the process (one file per thread) into `dir` when it exits; none without a dir. */
export function cpuProfileArgs(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
