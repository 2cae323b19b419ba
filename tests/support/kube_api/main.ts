/**
 * Runs the Kubernetes API test double on its own for manual use:
 *
 * ```sh
 * ./scripts/deno run -A tests/support/kube_api/main.ts [--port N] [--token T]
 * ```
 *
 * Prints one JSON line `{"url","caFile","token","kubeconfig"}` and serves until SIGINT or
 * SIGTERM. The PKI and kubeconfig live in a temporary directory removed on exit.
 *
 * @module
 */

import { writeKubeconfig } from "../kubeconfig.ts";
import { startKubeApiDouble } from "./server.ts";

/** Parses `--port` and `--token` (both `--flag value` and `--flag=value`). */
export function parseArgs(args: readonly string[]): { port: number; token: string } {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg.startsWith("--")) values.set(arg.slice(2), args[++i] ?? "");
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
  }
  for (const key of values.keys()) {
    if (key !== "port" && key !== "token") throw new Error(`unknown flag --${key}`);
  }
  const port = Number(values.get("port") ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid --port ${JSON.stringify(values.get("port"))}`);
  }
  return { port, token: values.get("token") ?? crypto.randomUUID() };
}

async function main(): Promise<void> {
  const { port, token } = parseArgs(Deno.args);
  const api = await startKubeApiDouble({ tokens: [{ token, user: "admin" }], port });
  const caFile = api.pki?.ca.certFile ?? "";
  const kubeconfig = await writeKubeconfig(`${api.pki?.dir}/kubeconfig`, {
    server: api.url,
    caFile,
    token,
  });
  const line = JSON.stringify({ url: api.url, caFile, token, kubeconfig }) + "\n";
  await Deno.stdout.write(new TextEncoder().encode(line));
  const done = Promise.withResolvers<void>();
  const onSignal = () => done.resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await done.promise;
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  await api.stop();
}

if (import.meta.main) await main();
