/**
 * The sandbox ("pause") image of the runtime tier, built by the test from source: a static
 * C program that waits in `pause()` (and exits on SIGTERM or SIGINT), compiled with
 * `gcc -static`, packed as an OCI image layout tar (one uncompressed layer, a config whose
 * `rootfs.diff_ids` names that layer's digest, a manifest and an index) that
 * `ctr images import` accepts. Nothing is pulled from a registry.
 *
 * @module
 */

/** The image's base name; the layout's ref name is {@linkcode PAUSE_TAG}. */
export const PAUSE_BASE_NAME = "localhost/multus-test/pause";
/** The tag the layout's index names. */
export const PAUSE_TAG = "1";
/** The full reference containerd stores after the import (the CRI `sandbox_image`). */
export const PAUSE_IMAGE = `${PAUSE_BASE_NAME}:${PAUSE_TAG}`;

const PAUSE_C = `#include <signal.h>
#include <unistd.h>
static void stop(int sig) { (void)sig; _exit(0); }
int main(void) {
  signal(SIGINT, stop);
  signal(SIGTERM, stop);
  for (;;) pause();
  return 0;
}
`;

const decoder = new TextDecoder();

async function run(cmd: string, args: string[], what: string): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
  } catch (err) {
    throw new Error(`${what}: cannot run ${cmd}: ${(err as Error).message}`);
  }
  if (!out.success) {
    throw new Error(
      `${what}: ${cmd} ${args.join(" ")} exited ${out.code}: ${
        decoder.decode(out.stderr).trim() || decoder.decode(out.stdout).trim()
      }`,
    );
  }
}

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A blob written under `<layout>/blobs/sha256/`; returns its OCI descriptor. */
async function blob(
  layout: string,
  mediaType: string,
  data: Uint8Array<ArrayBuffer>,
): Promise<{ mediaType: string; digest: string; size: number }> {
  const hex = await sha256(data);
  await Deno.writeFile(`${layout}/blobs/sha256/${hex}`, data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/**
 * Builds the pause image in `dir` (which must exist) and returns the path of the OCI layout
 * tar, ready for `ctr -n k8s.io images import --base-name` {@linkcode PAUSE_BASE_NAME}.
 *
 * @throws {Error} naming the step (compiler, tar) and its output when one fails.
 */
export async function buildPauseImage(dir: string): Promise<string> {
  const rootfs = `${dir}/pause-rootfs`;
  const layout = `${dir}/pause-layout`;
  await Deno.mkdir(rootfs, { recursive: true });
  await Deno.mkdir(`${layout}/blobs/sha256`, { recursive: true });
  await Deno.writeTextFile(`${dir}/pause.c`, PAUSE_C);
  await run(
    "gcc",
    ["-static", "-Os", "-o", `${rootfs}/pause`, `${dir}/pause.c`],
    "building the pause binary (gcc and libc6-dev, installed by scripts/bootstrap.sh)",
  );
  const layerTar = `${dir}/pause-layer.tar`;
  await run("tar", [
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mtime=@0",
    "-C",
    rootfs,
    "-cf",
    layerTar,
    "pause",
  ], "packing the pause layer");
  const layer = await blob(
    layout,
    "application/vnd.oci.image.layer.v1.tar",
    await Deno.readFile(layerTar),
  );
  const enc = new TextEncoder();
  const config = await blob(
    layout,
    "application/vnd.oci.image.config.v1+json",
    enc.encode(JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Entrypoint: ["/pause"], WorkingDir: "/" },
      // Uncompressed layer: its diff ID is its digest.
      rootfs: { type: "layers", diff_ids: [layer.digest] },
      history: [{ created_by: "tests/support/pause_image.ts" }],
    })),
  );
  const manifest = await blob(
    layout,
    "application/vnd.oci.image.manifest.v1+json",
    enc.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [layer],
    })),
  );
  await Deno.writeTextFile(`${layout}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await Deno.writeTextFile(
    `${layout}/index.json`,
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        ...manifest,
        platform: { architecture: "amd64", os: "linux" },
        annotations: { "org.opencontainers.image.ref.name": PAUSE_TAG },
      }],
    }),
  );
  const out = `${dir}/pause-oci.tar`;
  await run(
    "tar",
    ["--owner=0", "--group=0", "--numeric-owner", "-C", layout, "-cf", out, "."],
    "packing the pause image layout",
  );
  return out;
}
