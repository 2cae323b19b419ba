/**
 * The packed executable (`dist/bin/multus` of the default build): its stub checks the
 * unpacked runtime and program before every exec, and the npm packages before every exec
 * that is not a CNI plugin's. A plugin exec that is about to import an npm package (a YAML
 * kubeconfig, an auth-provider kubeconfig) asks the stub for that check first, once.
 *
 * @module
 */
import { packedExecutable, packedNpmVerified } from "./process.ts";

let npmChecked: Promise<void> | null = null;

/**
 * Resolves once the stub has verified the unpacked npm packages (or repaired a copy that
 * was altered); rejects with the stub's reason when it cannot. Outside the packed build it
 * resolves at once.
 */
export function verifyNpmPackages(): Promise<void> {
  const exe = packedExecutable();
  if (exe === null || packedNpmVerified()) return Promise.resolve();
  npmChecked ??= (async () => {
    const out = await new Deno.Command(exe, {
      env: { MULTUS_VERIFY_ONLY: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const why = new TextDecoder().decode(out.stderr).trim();
      throw new Error(`cannot verify the unpacked npm packages of ${exe}: ${why}`);
    }
  })();
  return npmChecked;
}
