/**
 * Loading the Multus CNI config for one command: the engine parses and validates it,
 * logging is applied (thin mode), warnings are logged.
 *
 * @module
 */
import { type MultusConf, parseMultusConf } from "../engine/multus.ts";
import type { MultusDeps } from "./deps.ts";
import { cmdErr } from "./errors.ts";

/** Options of {@linkcode loadConf}. */
export interface LoadConfOptions {
  /** The daemon config, overlaid on every request (thick mode). */
  overlay?: Record<string, unknown>;
  /** Keys removed from the incoming config (thick auto mode drops `readinessindicatorfile`). */
  dropKeys?: string[];
}

/**
 * Parses stdin as the Multus config.
 *
 * @throws {CniError} `Multus: error loading netconf: <every problem>` (code 7).
 */
export function loadConf(text: string, deps: MultusDeps, opts: LoadConfOptions = {}): MultusConf {
  let conf: MultusConf;
  try {
    conf = parseMultusConf(text, opts);
  } catch (err) {
    throw cmdErr(null, err, "error loading netconf: ");
  }
  deps.configureLogging?.(conf);
  for (const w of conf.warnings) deps.logger.warning(w);
  return conf;
}

/**
 * Waits for the readiness indicator file (polls every second for up to 45 s, as Multus).
 *
 * @throws {CniError} Multus's message when it never appears.
 */
export async function waitForReadiness(conf: MultusConf, deps: MultusDeps): Promise<void> {
  const file = conf.readinessindicatorfile;
  if (!file) return;
  const pollMs = deps.readiness?.pollMs ?? 1000;
  const timeoutMs = deps.readiness?.timeoutMs ?? 45_000;
  const deadline = deps.now() + timeoutMs;
  for (let polls = 0;; polls++) {
    if (await deps.fs.stat(file)) return;
    if (polls === 0) deps.logger.debug(`waiting for readinessindicatorfile @ ${file}`);
    if (deps.now() >= deadline) {
      throw new Error(
        `have you checked that your default network is ready? still waiting for readinessindicatorfile @ ${file}. pollimmediate error: timed out waiting for the condition`,
      );
    }
    await deps.sleep(pollMs);
  }
}
