/**
 * The block-style YAML that kubeconfig writers emit (Multus's thin_entrypoint, kubeadm,
 * `kubectl config view --raw`), read without `js-yaml`: nested mappings and `- ` sequences,
 * plain, single-quoted and double-quoted string scalars, `{}` and `[]` as values, comments. A per-pod exec that
 * reads such a file never loads the npm package and Deno's Node.js layer (7-10 ms of every
 * thin-plugin ADD on a 2-core node).
 *
 * It answers only when it is sure to agree with `js-yaml`: anything else (flow style,
 * anchors, tags, block scalars, multi-line or non-string plain scalars, duplicate keys,
 * tabs, several documents) makes it return `undefined`, and the caller parses with
 * `js-yaml`.
 *
 * @module
 */

type Node = Record<string, unknown> | unknown[];

interface Line {
  indent: number;
  text: string;
}

/** Words and shapes a plain scalar cannot take and stay a string in YAML 1.2's core schema. */
const NOT_A_STRING = /^(?:[-+]?\.?[0-9]|[-+]?\.(?:inf|nan)$|~$|(?:true|false|null)$)/i;
/** Characters a plain scalar cannot start with, or sequences it cannot hold. */
const NOT_PLAIN = /^[-?:,[\]{}#&*!|>'"%@`\s]|: |:$| #|\t/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;

/**
 * `text` parsed when it is simple block-style YAML holding only mappings, sequences and
 * strings; `undefined` when it is anything else (parse it with `js-yaml` then).
 *
 * @example Usage
 * ```ts
 * import { parseSimpleYaml } from "./kubeconfig_yaml.ts";
 * console.assert(parseSimpleYaml("kind: Config\nusers:\n- name: a\n")?.toString() !== undefined);
 * console.assert(parseSimpleYaml("a: [1, 2]") === undefined);
 * ```
 */
export function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  const lines: Line[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const body = raw.trimEnd();
    const trimmed = body.trimStart();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (body.includes("\t") || trimmed.startsWith("---") || trimmed.startsWith("...")) {
      return undefined;
    }
    lines.push({ indent: body.length - trimmed.length, text: trimmed });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  const at = { i: 0 };
  try {
    const doc = block(lines, at, 0);
    if (at.i !== lines.length || Array.isArray(doc)) return undefined;
    return doc;
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

class Decline extends Error {}

function decline(): never {
  throw new Decline();
}

/** The mapping or sequence whose lines start at `indent`. */
function block(lines: Line[], at: { i: number }, indent: number): Node {
  const first = lines[at.i];
  if (!first || first.indent !== indent) decline();
  return first.text.startsWith("- ") || first.text === "-"
    ? sequence(lines, at, indent)
    : mapping(lines, at, indent, {});
}

function sequence(lines: Line[], at: { i: number }, indent: number): unknown[] {
  const out: unknown[] = [];
  for (let line = lines[at.i]; line && line.indent === indent; line = lines[at.i]) {
    if (!line.text.startsWith("- ")) break;
    const rest = line.text.slice(2).trimStart();
    const inner = indent + (line.text.length - rest.length);
    if (rest.includes(": ") || rest.endsWith(":")) {
      // "- key: value": a mapping whose first line shares the dash's line.
      lines[at.i] = { indent: inner, text: rest };
      out.push(mapping(lines, at, inner, {}));
    } else {
      out.push(scalar(rest));
      at.i++;
    }
  }
  return out;
}

function mapping(
  lines: Line[],
  at: { i: number },
  indent: number,
  out: Record<string, unknown>,
): Record<string, unknown> {
  for (let line = lines[at.i]; line && line.indent === indent; line = lines[at.i]) {
    if (line.text.startsWith("- ")) break;
    const colon = line.text.indexOf(":");
    if (colon <= 0) decline();
    const key = line.text.slice(0, colon);
    if (!KEY.test(key) || key === "__proto__" || Object.hasOwn(out, key)) decline();
    const rest = line.text.slice(colon + 1);
    at.i++;
    if (rest.trim() !== "") {
      if (!rest.startsWith(" ")) decline();
      const value = rest.trim();
      // The empty flow collections kubectl writes (`preferences: {}`) are the only flow style.
      out[key] = value === "{}" ? {} : value === "[]" ? [] : scalar(value);
      continue;
    }
    const next = lines[at.i];
    // A nested block: deeper, or a sequence at the key's own indentation.
    if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith("- ")))) {
      out[key] = block(lines, at, next.indent);
    } else {
      decline(); // an empty value is null
    }
  }
  const after = lines[at.i];
  if (after && after.indent > indent) decline(); // a continuation line we do not read
  return out;
}

function scalar(text: string): string {
  if (text.startsWith('"')) return doubleQuoted(text);
  if (text.startsWith("'")) return singleQuoted(text);
  if (NOT_PLAIN.test(text) || NOT_A_STRING.test(text)) decline();
  return text;
}

function doubleQuoted(text: string): string {
  // Only escapes JSON shares with YAML; a comment after the closing quote is declined.
  if (!/^"(?:[^"\\]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$/.test(text)) decline();
  try {
    return JSON.parse(text) as string;
  } catch {
    return decline(); // a control character YAML and JSON may read differently
  }
}

function singleQuoted(text: string): string {
  if (!/^'(?:[^']|'')*'$/.test(text)) decline();
  return text.slice(1, -1).replaceAll("''", "'");
}
