/**
 * The human form of an {@linkcode Explanation}: a table of the attachments, then each
 * attachment's `CNI_ARGS`, runtimeConfig and plugin configs, then every error.
 *
 * @module
 */
import type { ExplainedAttachment, Explanation } from "./explain.ts";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

function routeText(a: ExplainedAttachment): string {
  if (!a.defaultRoute) return "";
  if (a.gateways.length > 0) return `yes (default-route ${a.gateways.join(", ")})`;
  return "yes (its own config)";
}

function indent(text: string, by: string): string {
  return text.split("\n").map((l) => by + l).join("\n");
}

/** The text `multus explain` prints by default. */
export function formatExplanation(x: Explanation): string {
  const out: string[] = [];
  out.push(
    `Pod ${x.pod.namespace}/${x.pod.name} (uid ${x.pod.uid || "none"}), ${x.mode} mode: ADD ` +
      `of container ${x.call.containerId}, ${x.call.ifName} in ${x.call.netns}`,
  );
  out.push(`Plugins searched in: ${x.call.binDirs.join(" ")}`, "");
  const rows = [["#", "NETWORK", "INTERFACE", "TYPE", "DEFAULT ROUTE"]];
  for (const a of x.attachments) {
    rows.push([
      String(a.index),
      a.network + (a.isDefault ? " (cluster)" : ""),
      a.ifName,
      a.resolved ? a.types.join("+") : "(not resolved)",
      routeText(a),
    ]);
  }
  out.push(table(rows));
  for (const a of x.attachments) {
    if (!a.resolved) continue;
    out.push("", `[${a.index}] ${a.network} -> ${a.ifName} (cniVersion ${a.cniVersion})`);
    out.push(`  CNI_ARGS: ${a.cniArgs}`);
    out.push(`  runtimeConfig: ${JSON.stringify(a.runtimeConfig)}`);
    for (const [i, p] of a.plugins.entries()) {
      const where = p.path ?? "NOT FOUND";
      const prev = i > 0 ? ", plus the prevResult of the plugin before" : "";
      out.push(`  plugin ${p.type} (${where})${prev}:`);
      out.push(indent(JSON.stringify(p.config, null, 2), "    "));
    }
  }
  for (const e of x.events) out.push("", `Event ${e.type} ${e.reason}: ${e.message}`);
  out.push("");
  if (x.ok) {
    out.push("The ADD would succeed (nothing was run, written or changed).");
  } else {
    out.push(`The ADD would fail with ${x.errors.length} error(s):`);
    for (const e of x.errors) {
      out.push(`  - ${e.msg} (code ${e.code})${e.details ? `: ${e.details}` : ""}`);
    }
  }
  return out.join("\n") + "\n";
}
