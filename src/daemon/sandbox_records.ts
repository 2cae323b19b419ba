/**
 * What the daemon remembers of each sandbox it set up, for hot-plug: the ADD's container
 * ID, netns, interface, `CNI_ARGS`, `CNI_PATH` and Multus config, one JSON file per
 * sandbox (`<dir>/<containerID>.json`, written after a successful ADD, removed by its
 * DEL). The attachments themselves stay in Multus's scratch cache; this is how a later
 * change of the pod's annotation reaches the same sandbox the same way, also after a
 * daemon restart. The daemon keeps them in `<cniDir>/sandboxes/`, next to the scratch
 * caches (its socket directory is recreated at every start).
 *
 * @module
 */
import type { SandboxRef } from "../multus/hotplug.ts";
import type { Fs } from "../platform/fs.ts";

/** One sandbox set up by this daemon. */
export interface SandboxRecord extends SandboxRef {
  podNamespace: string;
  podName: string;
  podUid: string;
  /** When the ADD finished (ms since the epoch): the newest record of a pod wins. */
  addedAt: number;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The records in one directory. */
export class SandboxRecords {
  readonly #fs: Pick<Fs, "list" | "readText" | "writeAtomic" | "remove">;
  readonly #dir: string;

  /** Records kept in `dir`. */
  constructor(fs: Pick<Fs, "list" | "readText" | "writeAtomic" | "remove">, dir: string) {
    this.#fs = fs;
    this.#dir = dir.replace(/\/+$/, "");
  }

  #path(containerId: string): string | null {
    return SAFE_ID.test(containerId) ? `${this.#dir}/${containerId}.json` : null;
  }

  /** Writes (or replaces) the record of `rec.containerId` (mode 0600). */
  async write(rec: SandboxRecord): Promise<void> {
    const path = this.#path(rec.containerId);
    if (path) {
      await this.#fs.writeAtomic(path, JSON.stringify(rec), { mode: 0o600, dirMode: 0o700 });
    }
  }

  /** Removes the record of a sandbox; a missing one is fine. */
  async remove(containerId: string): Promise<void> {
    const path = this.#path(containerId);
    if (path) await this.#fs.remove(path);
  }

  /** Every readable record. */
  async list(): Promise<SandboxRecord[]> {
    const names = (await this.#fs.list(this.#dir)) ?? [];
    const out: SandboxRecord[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const text = await this.#fs.readText(`${this.#dir}/${name}`).catch(() => null);
      if (text === null) continue;
      try {
        const rec = JSON.parse(text) as SandboxRecord;
        if (typeof rec.containerId === "string" && typeof rec.podName === "string") out.push(rec);
      } catch {
        // a torn or foreign file: not ours to use
      }
    }
    return out;
  }

  /** The newest record of the pod (of its UID when given), or null. */
  async forPod(namespace: string, name: string, uid?: string): Promise<SandboxRecord | null> {
    const mine = (await this.list()).filter((r) =>
      r.podNamespace === namespace && r.podName === name && (!uid || !r.podUid || r.podUid === uid)
    );
    mine.sort((a, b) => b.addedAt - a.addedAt);
    return mine[0] ?? null;
  }
}
