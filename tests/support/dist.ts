/**
 * Running the built `dist/` binaries the way kubelet/containerd does: a clean
 * environment with the `CNI_*` variables, the config on stdin.
 *
 * @module
 */

/** `dist/bin` of this checkout. */
export const DIST_BIN = new URL("../../dist/bin", import.meta.url).pathname;

/** What a binary run left behind. */
export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json?: unknown;
  /** Wall time in ms. */
  ms: number;
}

/**
 * Runs `dist/bin/<name>` (or `name` itself when it is an absolute path) with exactly `env`
 * (plus PATH) and `stdin`.
 */
export async function runDist(
  name: string,
  opts: { env?: Record<string, string>; stdin?: string; args?: string[]; timeoutMs?: number } = {},
): Promise<RunOutput> {
  const started = performance.now();
  const child = new Deno.Command(name.startsWith("/") ? name : `${DIST_BIN}/${name}`, {
    args: opts.args ?? [],
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...opts.env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}),
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(opts.stdin ?? ""));
  await w.close().catch(() => {});
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout);
  let json: unknown;
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  return {
    code: out.code,
    stdout,
    stderr: new TextDecoder().decode(out.stderr),
    ...(json === undefined ? {} : { json }),
    ms: performance.now() - started,
  };
}
