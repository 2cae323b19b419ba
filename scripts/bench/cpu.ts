/**
 * CPU time of the processes a benchmark runs: `getrusage(RUSAGE_CHILDREN)` of this process
 * (every child and grandchild once reaped, at the kernel's scheduler precision, not clock
 * ticks), and the CPU a long-lived child has used so far (`/proc/<pid>/stat`, in ticks).
 *
 * @module
 */

const RUSAGE_CHILDREN = -1;
let libc:
  | Deno.DynamicLibrary<{ getrusage: { parameters: ["i32", "buffer"]; result: "i32" } }>
  | null = null;

/** User + system CPU ms of this process's reaped descendants so far. */
export function childrenCpuMs(): number {
  libc ??= Deno.dlopen("libc.so.6", {
    getrusage: { parameters: ["i32", "buffer"], result: "i32" },
  });
  // struct rusage starts with ru_utime and ru_stime, each { tv_sec: i64, tv_usec: i64 }.
  const buf = new BigInt64Array(18);
  if (libc.symbols.getrusage(RUSAGE_CHILDREN, buf) !== 0) throw new Error("getrusage failed");
  return Number(buf[0]!) * 1e3 + Number(buf[1]!) / 1e3 + Number(buf[2]!) * 1e3 +
    Number(buf[3]!) / 1e3;
}

/** `fn`'s wall ms and the CPU ms of the descendants it ran (they must exit within it). */
export async function withChildrenCpu(
  fn: () => Promise<unknown>,
): Promise<{ wallMs: number; cpuMs: number }> {
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  await fn();
  return { wallMs: performance.now() - t0, cpuMs: childrenCpuMs() - c0 };
}

const TICK_MS = 10; // USER_HZ 100 on Linux

/** CPU ms process `pid` and its reaped children have used so far (10 ms ticks). */
export async function processTreeCpuMs(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the ")" closing the command name: utime is the 14th field overall.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
}
