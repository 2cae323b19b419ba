/**
 * Multus's on-disk state besides libcni's result cache: the scratch cache
 * `<cniDir>/<containerID>` (the pod's delegate list, written before any delegate runs,
 * read by DEL) and the CNI device-info files.
 *
 * @module
 */
import type { CniResult } from "../cni/types.ts";
import type { PlannedDelegate, StatusInput } from "../engine/multus.ts";
import type { Fs } from "../platform/fs.ts";

/** The scratch cache's path. */
export function scratchCachePath(cniDir: string, containerId: string): string {
  return `${cniDir}/${containerId}`;
}

/** Writes the scratch cache atomically (0600 in a 0700 directory). */
export function writeScratchCache(
  fs: Pick<Fs, "writeAtomic">,
  cniDir: string,
  containerId: string,
  text: string,
): Promise<void> {
  return fs.writeAtomic(scratchCachePath(cniDir, containerId), text, {
    mode: 0o600,
    dirMode: 0o700,
  });
}

/** The scratch cache's text, or null when there is none. */
export function readScratchCache(
  fs: Pick<Fs, "readText">,
  cniDir: string,
  containerId: string,
): Promise<string | null> {
  return fs.readText(scratchCachePath(cniDir, containerId));
}

/** Removes the scratch cache; a missing one is fine. */
export function removeScratchCache(
  fs: Pick<Fs, "remove">,
  cniDir: string,
  containerId: string,
): Promise<boolean> {
  return fs.remove(scratchCachePath(cniDir, containerId));
}

/** A CNI device-info file's JSON, or undefined when absent or unreadable. */
export async function readDeviceInfo(
  fs: Pick<Fs, "readText">,
  path: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (!path) return undefined;
  try {
    const text = await fs.readText(path);
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One attachment's network-status input: its delegate's name, interface and `result`,
 * with the delegate's device-info file's JSON when there is one (ADD and hot-plug alike).
 */
export async function statusInput(
  fs: Pick<Fs, "readText">,
  d: Pick<PlannedDelegate, "name" | "isMaster" | "ifName" | "deviceInfoFile">,
  result: CniResult,
): Promise<StatusInput> {
  const deviceInfo = await readDeviceInfo(fs, d.deviceInfoFile);
  return {
    name: d.name,
    isDefault: d.isMaster,
    ifName: d.ifName,
    result,
    ...(deviceInfo ? { deviceInfo } : {}),
  };
}

/** Where a device plugin leaves a device's info file (network-attachment-definition-client). */
export const DP_DEVICE_INFO_DIR = "/var/run/k8s.cni.cncf.io/devinfo/dp";

/**
 * Copies the device plugin's info file for `deviceID` of `resourceName` to the path the
 * delegate's `CNIDeviceInfoFile` names (mode 0444; an existing file is left alone), as
 * Multus does before a delegate ADD. Returns why nothing was copied, or null.
 */
export async function copyDpDeviceInfo(
  fs: Pick<Fs, "readText" | "stat" | "writeAtomic">,
  d: { resourceName?: string; deviceID?: string; deviceInfoFile?: string },
): Promise<string | null> {
  if (!d.resourceName || !d.deviceID || !d.deviceInfoFile) return "no device";
  const source = `${DP_DEVICE_INFO_DIR}/${d.resourceName.replaceAll("/", "-")}-${
    d.deviceID.replaceAll("/", "-")
  }-device.json`;
  try {
    const text = await fs.readText(source);
    if (text === null) return `no device-info file ${source}`;
    const info = JSON.parse(text) as unknown;
    if (typeof info !== "object" || info === null || Array.isArray(info)) {
      return `${source} is not a JSON object`;
    }
    if (await fs.stat(d.deviceInfoFile)) return `${d.deviceInfoFile} exists already`;
    await fs.writeAtomic(d.deviceInfoFile, text, { mode: 0o444 });
    return null;
  } catch (err) {
    return `copying ${source}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
