// deno-lint-ignore-file no-console
/**
 * Enforces the layering of design.md section 2 and style.md rule 9 by reading the source:
 *
 * - only `src/platform/`, `src/daemon/server.ts`, `src/main.ts` and the launcher entries
 *   `src/entry/*.ts` touch `Deno.*`;
 * - only `src/kube/` imports `@kubernetes/client-node` (type-only imports aside);
 * - each layer imports only the layers below it;
 * - product code never imports from `tests/`, and nothing imports `jsr:`;
 * - no heavy package (`@kubernetes/client-node`, `prom-client`, `jsonschema`) is
 *   statically reachable from an entry point kubelet execs per pod (dynamic `import()`
 *   is how such code is reached, when it is needed at all).
 *
 * Exits 1 with every violation listed.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");

/** Which top-level folders of src/ each folder may import from. */
const ALLOWED: Record<string, string[]> = {
  platform: ["platform"],
  engine: ["engine", "cni/error.ts", "cni/types.ts"],
  cni: ["cni", "engine", "platform"],
  kube: ["kube", "cni", "engine", "platform"],
  multus: ["multus", "kube", "cni", "engine", "platform"],
  passthru: ["passthru", "cni", "engine", "platform"],
  shim: ["shim", "cni", "engine", "platform"],
  daemon: ["daemon", "multus", "kube", "cni", "engine", "platform"],
  install: ["install", "multus", "cni", "engine", "platform"],
  doctor: ["doctor", "multus", "kube", "cni", "engine", "platform"],
  tools: ["tools", "multus", "kube", "cni", "engine", "platform"],
  entry: ["daemon", "multus", "shim", "passthru", "platform"],
};

const DENO_ALLOWED = [/^platform\//, /^daemon\/server\.ts$/, /^main\.ts$/, /^entry\//];
const HEAVY = ["@kubernetes/client-node", "prom-client", "jsonschema"];
const PER_EXEC_ENTRIES = [
  "passthru/main.ts",
  "shim/main.ts",
  "multus/main.ts",
  "entry/thin.ts",
  "entry/shim.ts",
  "entry/passthru.ts",
];

interface ImportRef {
  spec: string;
  typeOnly: boolean;
  dynamic: boolean;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...walk(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

function imports(text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const body = stripComments(text);
  for (
    const m of body.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+["']([^"']+)["']/gm)
  ) {
    refs.push({ spec: m[3]!, typeOnly: Boolean(m[2]), dynamic: false });
  }
  for (const m of body.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) {
    refs.push({ spec: m[1]!, typeOnly: false, dynamic: false });
  }
  for (const m of body.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) {
    refs.push({ spec: m[1]!, typeOnly: false, dynamic: true });
  }
  return refs;
}

const violations: string[] = [];
const files = walk(src);
const graph = new Map<string, ImportRef[]>();

for (const file of files) {
  const rel = relative(src, file);
  const isTest = rel.endsWith("_test.ts");
  const text = Deno.readTextFileSync(file);
  const refs = imports(text);
  graph.set(rel, refs);
  for (const ref of refs) {
    if (ref.spec.startsWith("jsr:")) {
      violations.push(`${rel}: imports ${ref.spec} (JSR is unreachable)`);
    }
    if (isTest) continue;
    if (ref.spec.includes("/tests/") || ref.spec.startsWith("../../tests")) {
      violations.push(`${rel}: product code imports test code ${ref.spec}`);
    }
    if (ref.spec.includes("@kubernetes/client-node") && !ref.typeOnly && !rel.startsWith("kube/")) {
      violations.push(`${rel}: only src/kube/ may import @kubernetes/client-node`);
    }
    if (!ref.spec.startsWith(".")) continue;
    const target = relative(src, resolve(dirname(file), ref.spec));
    const layer = rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : rel;
    const allowed = ALLOWED[layer];
    if (!allowed || target.startsWith("..")) continue;
    const ok = allowed.some((a) => target === a || target.startsWith(`${a}/`)) ||
      target === "_build_info.ts" || target === "version.ts";
    if (!ok) violations.push(`${rel}: layer "${layer}" may not import ${target}`);
  }
  if (!isTest && !DENO_ALLOWED.some((re) => re.test(rel))) {
    const body = stripComments(text).replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
    if (/\bDeno\.(?!test\b)/.test(body)) {
      violations.push(`${rel}: touches Deno.* (only src/platform/, daemon/server.ts, main.ts may)`);
    }
  }
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const cur = stack.pop()!;
    if (seen.has(cur)) continue;
    seen.add(cur);
    for (const ref of graph.get(cur) ?? []) {
      if (ref.dynamic || ref.typeOnly) continue;
      if (ref.spec.startsWith(".")) {
        stack.push(relative(src, resolve(dirname(join(src, cur)), ref.spec)));
      } else {
        seen.add(`pkg:${ref.spec}`);
      }
    }
  }
  return seen;
}

for (const entry of PER_EXEC_ENTRIES) {
  if (!graph.has(entry)) continue;
  for (const node of reachable(entry)) {
    if (HEAVY.some((h) => node.includes(h))) {
      violations.push(
        `${entry}: statically reaches ${node.slice(4)}, too heavy for a per-pod exec`,
      );
    }
  }
}

if (violations.length > 0) {
  console.error(`${violations.length} boundary violation(s):\n  ${violations.join("\n  ")}`);
  Deno.exit(1);
}
console.log(`boundaries: ${files.length} files checked, no violations`);
