/**
 * Input generators for the engine's property tests (`property_test.ts`): a small seeded
 * PRNG, random JSON values, mutations of a case file's input (drop, replace or retype a
 * field anywhere in it), malformed and truncated JSON text, deep nesting, huge strings and
 * invalid UTF-8. Everything is a function of the seed, so a failure replays from it.
 *
 * @module
 */

/** A seeded pseudo-random source (mulberry32). */
export class Prng {
  #state: number;

  /** A source whose whole sequence is fixed by `seed`. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Strings that mean something to some op (versions, commands, names, CIDRs, MACs...). */
const MEANINGFUL = [
  "",
  " ",
  "0.1.0",
  "0.3.1",
  "0.4.0",
  "1.0.0",
  "1.1.0",
  "2.0.0",
  "1.0",
  "v1",
  "ADD",
  "DEL",
  "CHECK",
  "GC",
  "STATUS",
  "VERSION",
  "eth0",
  "net1",
  "lo",
  "a/b",
  "../../etc",
  "/",
  "default/net-a@eth1",
  "net-a@",
  "@",
  "ns/",
  "10.1.1.5/24",
  "10.1.1.5/33",
  "::1/128",
  "fe80::1%eth0",
  "256.1.1.1",
  "c2:b0:57:49:47:f1",
  "c2:b0:57",
  "0000:03:00.0",
  "IgnoreUnknown=1;K8S_POD_NAME=p",
  "=;=;",
  "a=b=c",
  "[]",
  "{}",
  "null",
  '{"name":"x"}',
  '[{"name":"a","interface":"net1"}]',
  "[{",
  "1s",
  "-1h",
  "9999999999999999999h",
  "1.5.5.5",
  "e\u0301",
  "\u00e9\u4e2d\u{1F600}",
  "\ud800",
  "\u0000",
  "\n\t\r",
  "%2F",
  "Zm9v",
  "!!!",
];

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  -(2 ** 63),
  2 ** 64,
  65536,
  4294967295,
];

/** A random string: meaningful, random unicode, or long. */
export function randomString(rng: Prng): string {
  const r = rng.next();
  if (r < 0.45) return rng.pick(MEANINGFUL);
  if (r < 0.9) {
    let s = "";
    const n = rng.int(24);
    for (let i = 0; i < n; i++) {
      s += rng.chance(0.7)
        ? String.fromCharCode(32 + rng.int(95))
        : String.fromCodePoint(rng.pick([0, 0x7f, 0xe9, 0x301, 0x4e2d, 0xfeff, 0x1f600, 0x10ffff]));
    }
    return s;
  }
  return rng.pick(MEANINGFUL).repeat(1 + rng.int(2000));
}

/** A random JSON value at most `depth` levels deep. */
export function randomJson(rng: Prng, depth = 4): unknown {
  const r = rng.int(depth > 0 ? 8 : 5);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.chance(0.5) ? rng.pick(NUMBERS) : (rng.next() - 0.5) * 10 ** rng.int(20);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
    case 6: {
      const o: Record<string, unknown> = {};
      const n = rng.int(6);
      for (let i = 0; i < n; i++) o[randomString(rng)] = randomJson(rng, depth - 1);
      return o;
    }
    default:
      return Array.from({ length: rng.int(6) }, () => randomJson(rng, depth - 1));
  }
}

type Container = Record<string, unknown> | unknown[];

/** Every object or array inside `v`, with `v` itself first. */
function containers(v: unknown, out: Container[] = []): Container[] {
  if (v !== null && typeof v === "object") {
    out.push(v as Container);
    for (const child of Object.values(v as object)) containers(child, out);
  }
  return out;
}

/** A different type carrying a related value (a number as a string, an object as text...). */
function retype(rng: Prng, v: unknown): unknown {
  switch (typeof v) {
    case "string":
      return rng.pick([Number(v) || 7, v.length > 0, [v], { value: v }, null]);
    case "number":
      return rng.pick([String(v), [v], v > 0, null, { n: v }]);
    case "boolean":
      return rng.pick([String(v), v ? 1 : 0, null, [v]]);
    case "object":
      if (v === null) return rng.pick(["null", 0, false, {}, []]);
      if (Array.isArray(v)) return rng.pick([JSON.stringify(v), v[0] ?? null, { ...v }, v.length]);
      return rng.pick([JSON.stringify(v), Object.values(v), Object.keys(v), "", 1]);
    default:
      return null;
  }
}

/** A value nested `depth` levels deep (arrays or objects). */
export function deepValue(rng: Prng, depth: number): unknown {
  let v: unknown = randomJson(rng, 0);
  const key = randomString(rng);
  for (let i = 0; i < depth; i++) v = rng.chance(0.5) ? [v] : { [key]: v };
  return v;
}

/**
 * `input` with 1-3 mutations at random places: a field dropped, replaced by a random value,
 * retyped, nulled, made huge or deep, or a container emptied. `input` is not changed.
 */
export function mutate(rng: Prng, input: unknown): unknown {
  const root: Record<string, unknown> = { value: structuredClone(input) };
  const times = 1 + rng.int(3);
  for (let t = 0; t < times; t++) {
    const all = containers(root);
    const target = all.length > 1 && rng.chance(0.9) ? rng.pick(all.slice(1)) : root;
    const keys = Object.keys(target);
    if (keys.length === 0) {
      if (Array.isArray(target)) target.push(randomJson(rng, 2));
      else target[randomString(rng)] = randomJson(rng, 2);
      continue;
    }
    const key = target === root ? "value" : rng.pick(keys);
    const slot = target as Record<string, unknown>;
    const old = slot[key];
    switch (rng.int(8)) {
      case 0:
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else if (target !== root) delete slot[key];
        else slot[key] = null;
        break;
      case 1:
        slot[key] = randomJson(rng, 3);
        break;
      case 2:
      case 3:
        slot[key] = retype(rng, old);
        break;
      case 4:
        slot[key] = null;
        break;
      case 5:
        slot[key] = typeof old === "string" && rng.chance(0.5)
          ? old.slice(0, rng.int(old.length + 1))
          : randomString(rng);
        break;
      case 6:
        slot[key] = deepValue(rng, 1 + rng.int(100));
        break;
      default:
        if (Array.isArray(old)) slot[key] = [];
        else if (old !== null && typeof old === "object") slot[key] = {};
        else slot[key] = "x".repeat(rng.int(200_000));
    }
  }
  return root.value;
}

const encoder = new TextEncoder();

/** JSON text broken: truncated, a byte changed, garbage inserted, or a bracket dropped. */
export function malformedText(rng: Prng, valid: string): Uint8Array {
  const bytes = encoder.encode(valid);
  const at = rng.int(bytes.length + 1);
  switch (rng.int(5)) {
    case 0:
      return bytes.slice(0, at);
    case 1: {
      const copy = bytes.slice();
      if (copy.length > 0) copy[Math.min(at, copy.length - 1)] = rng.int(256);
      return copy;
    }
    case 2: {
      const junk = encoder.encode(
        rng.pick(["{", "}", "[", "]", ",", ":", '"', "\\", "\\u12", "nul"]),
      );
      return new Uint8Array([...bytes.slice(0, at), ...junk, ...bytes.slice(at)]);
    }
    case 3:
      return encoder.encode(valid.replace(/[}\]]/, ""));
    default:
      return encoder.encode(valid + rng.pick(["x", "}", " {}", "\u0000", ","]));
  }
}

/** Text nested `depth` levels deep, beyond any parser's recursion limit when large. */
export function deepText(rng: Prng, depth: number): Uint8Array {
  const open = rng.chance(0.5) ? "[" : '{"a":';
  const close = open === "[" ? "]" : "}";
  return encoder.encode(open.repeat(depth) + "1" + close.repeat(rng.chance(0.8) ? depth : 0));
}

/** Invalid UTF-8: lone continuation bytes, truncated sequences, overlongs, surrogates. */
export function invalidUtf8(rng: Prng, valid: string): Uint8Array {
  const bad = rng.pick([
    [0xff],
    [0x80],
    [0xc3],
    [0xe2, 0x82],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xfe, 0xfe, 0xff, 0xff],
  ]);
  const bytes = encoder.encode(valid);
  // Inside a string value when there is one, else anywhere.
  const quote = bytes.indexOf(0x22, rng.int(Math.max(1, bytes.length)));
  const at = quote >= 0 ? quote + 1 : rng.int(bytes.length + 1);
  return new Uint8Array([...bytes.slice(0, at), ...bad, ...bytes.slice(at)]);
}

/** Every `[container, key]` holding a string, number or boolean inside `v`. */
function leaves(v: unknown, out: [Record<string, unknown>, string][] = []) {
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    for (const [k, child] of Object.entries(o)) {
      if (child !== null && typeof child === "object") leaves(child, out);
      else if (child !== null) out.push([o, k]);
    }
  }
  return out;
}

/**
 * `input` with its shape kept and 1-2 leaves changed to a value of the same type: a string
 * holding JSON (a delegate config, a cached result, an annotation) becomes that JSON
 * mutated or broken, other strings random ones, numbers random numbers, booleans flipped.
 * This reaches the logic behind the input checks. `input` is not changed.
 */
export function mutateLeaves(rng: Prng, input: unknown): unknown {
  const root = structuredClone(input);
  const all = leaves(root);
  for (let t = 1 + rng.int(2); t > 0 && all.length > 0; t--) {
    const [o, k] = rng.pick(all);
    const v = o[k];
    if (typeof v === "string") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        parsed = undefined;
      }
      if (parsed !== null && typeof parsed === "object") {
        o[k] = rng.chance(0.8)
          ? JSON.stringify(rng.chance(0.5) ? mutateLeaves(rng, parsed) : mutate(rng, parsed))
          : new TextDecoder().decode(malformedText(rng, v));
      } else {
        o[k] = rng.chance(0.3) ? v.slice(0, rng.int(v.length + 1)) : randomString(rng);
      }
    } else if (typeof v === "number") {
      o[k] = rng.pick(NUMBERS);
    } else {
      o[k] = !v;
    }
  }
  return root;
}
