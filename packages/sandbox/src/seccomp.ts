import os from 'node:os';

/**
 * The seccomp filter handed to bwrap (`--seccomp FD`): a classic BPF program
 * that refuses, with EPERM, the system calls a tool never needs and that widen
 * the kernel surface an escape would use (debugging other processes, kernel
 * keyrings, mounts, module loading, kexec, eBPF, perf, io_uring...). Everything
 * else is allowed: the namespaces, the read-only root and the limits do the
 * confining; this is defence in depth behind them.
 *
 * No maintained npm library builds seccomp programs (the libseccomp bindings
 * are native, old and unmaintained), and the program is small, so it is
 * generated here. bwrap sets no_new_privs and loads it just before it executes
 * the command, after its own mounts are done.
 */

/** Refused system calls. Numbers from the kernel's uapi headers (x86_64: asm/unistd_64.h; arm64: asm-generic/unistd.h). */
export const REFUSED_SYSCALLS = {
  // Reading or steering another process.
  ptrace: { x64: 101, arm64: 117 },
  process_vm_readv: { x64: 310, arm64: 270 },
  process_vm_writev: { x64: 311, arm64: 271 },
  kcmp: { x64: 312, arm64: 272 },
  // Kernel keyrings (shared with the host's keys of the same uid).
  keyctl: { x64: 250, arm64: 219 },
  add_key: { x64: 248, arm64: 217 },
  request_key: { x64: 249, arm64: 218 },
  // Mounts, old and new API, and changing namespaces.
  mount: { x64: 165, arm64: 40 },
  umount2: { x64: 166, arm64: 39 },
  pivot_root: { x64: 155, arm64: 41 },
  move_mount: { x64: 429, arm64: 429 },
  open_tree: { x64: 428, arm64: 428 },
  fsopen: { x64: 430, arm64: 430 },
  fsconfig: { x64: 431, arm64: 431 },
  fsmount: { x64: 432, arm64: 432 },
  fspick: { x64: 433, arm64: 433 },
  mount_setattr: { x64: 442, arm64: 442 },
  unshare: { x64: 272, arm64: 97 },
  setns: { x64: 308, arm64: 268 },
  // Kernel code and the machine itself.
  kexec_load: { x64: 246, arm64: 104 },
  kexec_file_load: { x64: 320, arm64: 294 },
  init_module: { x64: 175, arm64: 105 },
  finit_module: { x64: 313, arm64: 273 },
  delete_module: { x64: 176, arm64: 106 },
  bpf: { x64: 321, arm64: 280 },
  perf_event_open: { x64: 298, arm64: 241 },
  reboot: { x64: 169, arm64: 142 },
  swapon: { x64: 167, arm64: 224 },
  swapoff: { x64: 168, arm64: 225 },
  acct: { x64: 163, arm64: 89 },
  quotactl: { x64: 179, arm64: 60 },
  syslog: { x64: 103, arm64: 116 },
  lookup_dcookie: { x64: 212, arm64: 18 },
  nfsservctl: { x64: 180, arm64: 42 },
  vhangup: { x64: 153, arm64: 58 },
  // The clock is the host's.
  settimeofday: { x64: 164, arm64: 170 },
  clock_settime: { x64: 227, arm64: 112 },
  clock_adjtime: { x64: 305, arm64: 266 },
  adjtimex: { x64: 159, arm64: 171 },
  // Known exploit helpers and large attack surfaces.
  userfaultfd: { x64: 323, arm64: 282 },
  open_by_handle_at: { x64: 304, arm64: 265 },
  name_to_handle_at: { x64: 303, arm64: 264 },
  fanotify_init: { x64: 300, arm64: 262 },
  io_uring_setup: { x64: 425, arm64: 425 },
  io_uring_enter: { x64: 426, arm64: 426 },
  io_uring_register: { x64: 427, arm64: 427 },
  // x86_64 only: port I/O and long-gone calls.
  iopl: { x64: 172, arm64: null },
  ioperm: { x64: 173, arm64: null },
  uselib: { x64: 134, arm64: null },
  _sysctl: { x64: 156, arm64: null },
  create_module: { x64: 174, arm64: null },
  get_kernel_syms: { x64: 177, arm64: null },
  query_module: { x64: 178, arm64: null },
} as const satisfies Record<string, { x64: number; arm64: number | null }>;

export type SeccompArch = 'x64' | 'arm64';

// linux/audit.h
const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
// x86_64: syscall numbers with this bit set are the x32 ABI, a second table of the same calls.
const X32_SYSCALL_BIT = 0x40000000;

// linux/filter.h (classic BPF) opcodes.
const BPF_LD_W_ABS = 0x20; // A <- u32 at offset k of struct seccomp_data
const BPF_JEQ_K = 0x15; // pc += (A == k) ? jt : jf
const BPF_JGE_K = 0x35; // pc += (A >= k) ? jt : jf
const BPF_RET_K = 0x06; // return k

// linux/seccomp.h return actions.
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The architectures this generator has syscall tables for. */
export function seccompArch(arch: string = os.arch()): SeccompArch | undefined {
  return arch === 'x64' || arch === 'arm64' ? arch : undefined;
}

/** The syscall numbers refused on `arch`. */
export function refusedNumbers(arch: SeccompArch): number[] {
  const table: Record<string, { x64: number; arm64: number | null }> = REFUSED_SYSCALLS;
  return Object.values(table).flatMap((s) => (s[arch] === null ? [] : [s[arch]]));
}

/**
 * The filter as bwrap reads it: an array of `struct sock_filter` (u16 code, u8
 * jt, u8 jf, u32 k) in the host's byte order. A call made under another ABI
 * (e.g. 32-bit `int 0x80` on x86_64, whose numbers differ) kills the process:
 * its numbers would slip past the list.
 */
export function buildSeccompFilter(arch: SeccompArch, endianness: 'LE' | 'BE' = os.endianness()): Buffer {
  const numbers = refusedNumbers(arch);
  const program: Instruction[] = [];
  const emit = (code: number, k: number, jt = 0, jf = 0) => program.push({ code, jt, jf, k });

  emit(BPF_LD_W_ABS, OFFSET_ARCH);
  emit(BPF_JEQ_K, AUDIT_ARCH[arch], 1, 0); // native ABI: skip the kill
  emit(BPF_RET_K, SECCOMP_RET_KILL_PROCESS);
  emit(BPF_LD_W_ABS, OFFSET_NR);
  // Jumps to the EPERM return are patched once its position is known.
  const toRefuse: number[] = [];
  if (arch === 'x64') {
    toRefuse.push(program.length);
    emit(BPF_JGE_K, X32_SYSCALL_BIT);
  }
  for (const nr of numbers) {
    toRefuse.push(program.length);
    emit(BPF_JEQ_K, nr);
  }
  emit(BPF_RET_K, SECCOMP_RET_ALLOW);
  const refuse = program.length;
  emit(BPF_RET_K, SECCOMP_RET_ERRNO | EPERM);
  for (const at of toRefuse) {
    // Relative to the next instruction; classic BPF offsets are 8 bits.
    const offset = refuse - at - 1;
    if (offset > 255) throw new Error('seccomp: too many refused calls for one jump');
    program[at]!.jt = offset;
  }

  const out = Buffer.alloc(program.length * 8);
  program.forEach(({ code, jt, jf, k }, i) => {
    const at = i * 8;
    if (endianness === 'LE') {
      out.writeUInt16LE(code, at);
      out.writeUInt32LE(k >>> 0, at + 4);
    } else {
      out.writeUInt16BE(code, at);
      out.writeUInt32BE(k >>> 0, at + 4);
    }
    out.writeUInt8(jt, at + 2);
    out.writeUInt8(jf, at + 3);
  });
  return out;
}
