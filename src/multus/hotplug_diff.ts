/**
 * Which attachments a change of a running pod's networks adds and removes: the recorded
 * secondaries (from the sandbox's scratch cache, with the interface names they got) against
 * the networks the annotation now asks for, matched by network (`namespace/name`) and
 * interface name as multus-dynamic-networks-controller matches them. An element naming its
 * interface matches the attachment of that network with that name; an element without one
 * matches the first unmatched attachment of its network (generated `net<N>` names first).
 *
 * Refused (nothing is run): a change of the cluster network (the default-network
 * annotation), any `default-route` change, and an interface renamed in place.
 *
 * This is set arithmetic on names the plan already produced; the configs, interface names,
 * runtimeConfig and CNI_ARGS still come from the engine's plan op.
 *
 * @module
 */
import type { DelegateConf } from "../engine/multus.ts";

/** A recorded attachment: its delegate and the interface it got. */
export interface RecordedAttachment {
  delegate: DelegateConf;
  ifName: string;
}

/** What a change does, or why it is refused. */
export type HotplugDiff =
  | {
    kind: "change";
    /** The secondaries after the change, in annotation order (kept ones with their names). */
    secondaries: DelegateConf[];
    /** Indexes into `secondaries` of the attachments to add. */
    added: number[];
    /** Recorded attachments to remove. */
    removed: RecordedAttachment[];
  }
  | { kind: "refused"; reason: string };

const GENERATED = /^net\d+$/;

function sameRoutes(a: DelegateConf, b: DelegateConf): boolean {
  const key = (d: DelegateConf) =>
    d.gatewayRequest === undefined ? "-" : JSON.stringify([...d.gatewayRequest].sort());
  return key(a) === key(b);
}

/**
 * Diffs recorded against desired attachments.
 *
 * @param recordedBase the recorded cluster network and `defaultNetworks` delegates' names.
 * @param desiredBase the same, computed from the pod as it is now.
 */
export function diffAttachments(opts: {
  recordedBase: string[];
  desiredBase: string[];
  recorded: RecordedAttachment[];
  desired: DelegateConf[];
  /** Interface names in use by the pod that the diff may not hand out (the master's). */
  reserved: string[];
}): HotplugDiff {
  const { recorded, desired } = opts;
  if (JSON.stringify(opts.recordedBase) !== JSON.stringify(opts.desiredBase)) {
    return {
      kind: "refused",
      reason: `the cluster network of a running pod cannot change (recorded ${
        JSON.stringify(opts.recordedBase)
      }, requested ${JSON.stringify(opts.desiredBase)})`,
    };
  }
  const matched = new Map<number, number>(); // desired index -> recorded index
  const taken = new Set<number>();
  const claim = (di: number, pick: (r: RecordedAttachment) => boolean): void => {
    const d = desired[di]!;
    const ri = recorded.findIndex((r, i) => !taken.has(i) && r.delegate.name === d.name && pick(r));
    if (ri >= 0) {
      matched.set(di, ri);
      taken.add(ri);
    }
  };
  desired.forEach((d, di) => {
    if (d.ifnameRequest) claim(di, (r) => r.ifName === d.ifnameRequest);
  });
  desired.forEach((d, di) => {
    if (!d.ifnameRequest) claim(di, (r) => GENERATED.test(r.ifName));
  });
  desired.forEach((d, di) => {
    if (!d.ifnameRequest && !matched.has(di)) claim(di, () => true);
  });
  const removed = recorded.filter((_, i) => !taken.has(i));
  const addedIdx = desired.map((_, i) => i).filter((i) => !matched.has(i));
  for (const di of addedIdx) {
    const d = desired[di]!;
    const old = removed.find((r) => r.delegate.name === d.name);
    if (d.ifnameRequest && old) {
      return {
        kind: "refused",
        reason:
          `interface ${old.ifName} of network ${d.name} cannot be renamed to ${d.ifnameRequest} in place: remove the network, then add it again`,
      };
    }
    if (d.gatewayRequest !== undefined) {
      return {
        kind: "refused",
        reason:
          `network ${d.name} asks for default-route: the default route of a running pod cannot change`,
      };
    }
  }
  for (const r of removed) {
    if (r.delegate.gatewayRequest !== undefined) {
      return {
        kind: "refused",
        reason:
          `network ${r.delegate.name} (${r.ifName}) carries the default route: the default route of a running pod cannot change`,
      };
    }
  }
  for (const [di, ri] of matched) {
    if (!sameRoutes(desired[di]!, recorded[ri]!.delegate)) {
      return {
        kind: "refused",
        reason: `default-route of network ${desired[di]!.name} (${
          recorded[ri]!.ifName
        }) changed: the default route of a running pod cannot change`,
      };
    }
  }
  // Kept attachments keep their names; new ones get theirs or the first free net<N>.
  const used = new Set([
    ...opts.reserved,
    ...recorded.map((r) => r.ifName),
    ...desired.flatMap((d) => d.ifnameRequest ? [d.ifnameRequest] : []),
  ]);
  const secondaries = desired.map((d, di) => {
    const ri = matched.get(di);
    if (ri !== undefined) return { ...recorded[ri]!.delegate, ifnameRequest: recorded[ri]!.ifName };
    if (d.ifnameRequest) return d;
    let n = 1;
    while (used.has(`net${n}`)) n++;
    used.add(`net${n}`);
    return { ...d, ifnameRequest: `net${n}` };
  });
  return { kind: "change", secondaries, added: addedIdx, removed };
}
