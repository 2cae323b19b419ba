/**
 * Property tests of every engine operation through `engine.wasm`'s ABI: over random JSON,
 * mutations of the operation's case-file inputs (fields dropped, replaced, retyped, made
 * huge or deep), malformed and truncated JSON text, nesting beyond the parser's limit and
 * invalid UTF-8, the module never traps and always answers an envelope: `{"ok": ...}` or
 * `{"error": {"code", "msg", "details"?}}` with a CNI code.
 *
 * The run is fixed by one seed, printed with any failure; replay it with
 * `ENGINE_PROPERTY_SEED=<seed> deno test -A src/engine/property_test.ts`
 * (`ENGINE_PROPERTY_RUNS` sets the inputs per operation, default 150).
 */
import { fail } from "node:assert/strict";
import { callEngineRaw, engineExports } from "./abi.ts";
import {
  deepText,
  deepValue,
  invalidUtf8,
  malformedText,
  mutate,
  mutateLeaves,
  Prng,
  randomJson,
  randomString,
} from "./_property_inputs.ts";

const casesDir = new URL("../../wasm/tests/cases/", import.meta.url);
const NOT_OPS = new Set(["memory", "alloc", "dealloc"]);
const CNI_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 11, 50, 51, 999]);

const seed = Number(Deno.env.get("ENGINE_PROPERTY_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const runs = Number(Deno.env.get("ENGINE_PROPERTY_RUNS") ?? 150);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Per-op seed, so one op's failure replays without running the others. */
function opSeed(op: string): number {
  let h = seed >>> 0;
  for (const c of op) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

async function caseInputs(op: string): Promise<unknown[]> {
  const inputs: unknown[] = [];
  try {
    for await (const f of Deno.readDir(new URL(`${op}/`, casesDir))) {
      if (!f.name.endsWith(".json")) continue;
      const kase = JSON.parse(await Deno.readTextFile(new URL(`${op}/${f.name}`, casesDir)));
      inputs.push(kase.input);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  // readDir's order is the filesystem's: sort, so the seed alone fixes the run.
  return inputs.map((i) => JSON.stringify(i)).sort().map((t) => JSON.parse(t));
}

/** One generated input: its bytes and a short description for the failure message. */
interface Generated {
  kind: string;
  bytes: Uint8Array;
}

function generate(rng: Prng, cases: unknown[], i: number): Generated {
  const base = cases.length > 0 && rng.chance(0.85) ? rng.pick(cases) : randomJson(rng, 3);
  const json = (kind: string, v: unknown): Generated => ({
    kind,
    bytes: encoder.encode(JSON.stringify(v)),
  });
  // A few huge inputs per op (they cost time): a 2-4 MB string at a random place.
  if (i % 50 === 7) {
    const huge = randomString(rng).padEnd(2_000_000 + rng.int(2_000_000), "x");
    return json("huge string", rng.chance(0.5) ? huge : mutateTo(rng, base, huge));
  }
  const r = rng.next();
  if (r < 0.25) return json("mutated case", mutate(rng, base));
  if (r < 0.45) return json("case with leaves changed", mutateLeaves(rng, base));
  if (r < 0.55) return json("random JSON", randomJson(rng, 4));
  if (r < 0.62) {
    const o = base !== null && typeof base === "object" && !Array.isArray(base) ? base : {};
    return json("case with random fields", { ...o, [randomString(rng)]: randomJson(rng, 2) });
  }
  if (r < 0.77) return { kind: "malformed text", bytes: malformedText(rng, JSON.stringify(base)) };
  if (r < 0.87) return { kind: "invalid UTF-8", bytes: invalidUtf8(rng, JSON.stringify(base)) };
  if (r < 0.93) return { kind: "deep text", bytes: deepText(rng, 1 + rng.int(5000)) };
  return json("deep value", mutateTo(rng, base, deepValue(rng, 100 + rng.int(27))));
}

/** `base` with one random field (or the whole) replaced by `value`. */
function mutateTo(rng: Prng, base: unknown, value: unknown): unknown {
  if (base === null || typeof base !== "object") return value;
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = Object.keys(copy);
  copy[keys.length > 0 && rng.chance(0.8) ? rng.pick(keys) : randomString(rng)] = value;
  return copy;
}

function preview(bytes: Uint8Array): string {
  const text = decoder.decode(bytes.subarray(0, 600));
  return bytes.length > 600 ? `${text}... (${bytes.length} bytes)` : text;
}

/** Why `text` is not a valid envelope, or undefined when it is. */
function envelopeProblem(op: string, text: string): string | undefined {
  let env: unknown;
  try {
    env = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 300)}`;
  }
  if (env === null || typeof env !== "object" || Array.isArray(env)) return "not an object";
  const keys = Object.keys(env);
  if (keys.length !== 1) return `keys ${JSON.stringify(keys)}, want exactly "ok" or "error"`;
  if (keys[0] === "ok") return undefined;
  if (keys[0] !== "error") return `unknown key ${keys[0]}`;
  const e = (env as { error: Record<string, unknown> }).error;
  if (e === null || typeof e !== "object") return "error is not an object";
  // plugin_error passes a delegate's own code through: any non-negative integer.
  const codeOk = Number.isInteger(e.code) &&
    (op === "plugin_error" ? (e.code as number) >= 0 : CNI_CODES.has(e.code as number));
  if (!codeOk) return `error code ${JSON.stringify(e.code)} is not a CNI code`;
  if (typeof e.msg !== "string" || e.msg === "") return `error msg ${JSON.stringify(e.msg)}`;
  if (e.details !== undefined && typeof e.details !== "string") return "error details not a string";
  return undefined;
}

// Exports that are not operations: memory, the allocator, the ABI marker, linker globals.
const ops = engineExports()
  .filter((n) => !NOT_OPS.has(n) && !n.startsWith("multus_engine_abi_") && !n.startsWith("__"))
  .sort();

Deno.test("engine property tests cover every operation with case files", async () => {
  for await (const d of Deno.readDir(casesDir)) {
    if (d.isDirectory && !ops.includes(d.name)) fail(`operation ${d.name} is not exported`);
  }
});

for (const op of ops) {
  Deno.test(`engine ${op}() never traps and answers an envelope for random and malformed input`, async () => {
    const cases = await caseInputs(op);
    const rng = new Prng(opSeed(op));
    for (let i = 0; i < runs; i++) {
      const input = generate(rng, cases, i);
      const where = `ENGINE_PROPERTY_SEED=${seed}, ${op} input #${i} (${input.kind})`;
      let text: string;
      try {
        text = callEngineRaw(op, input.bytes);
      } catch (err) {
        fail(`${where}: the engine trapped: ${err}\ninput: ${preview(input.bytes)}`);
      }
      const problem = envelopeProblem(op, text);
      if (problem) fail(`${where}: ${problem}\ninput: ${preview(input.bytes)}`);
    }
  });
}
