// deno-lint-ignore-file no-console
/**
 * The artifact benchmark: what the one self-contained `dist/bin/multus` costs against the
 * launcher it replaced (which runs only inside the clone).
 *
 * - size: the file, against a budget of 80 MB;
 * - first exec after install: a copy of the file with an empty runtime dir, so the exec
 *   unpacks and verifies the payload and then answers (a `passthru` ADD); budget 3 s;
 * - every later exec: a `passthru` ADD and a `multus-shim` VERSION through the packed file
 *   and through the launcher, interleaved rounds; budget: the median of the per-round
 *   differences <= 1 ms.
 *
 * @module
 */
import { join } from "node:path";
import { writeLauncherBuild } from "../build.ts";
import {
  fmt,
  interleave,
  pairedOverhead,
  summarize,
  type Summary,
  SUMMARY_HEADER,
  summaryRow,
  table,
  timeCommand,
} from "./stats.ts";

/** What this suite reports. */
export interface ArtifactReport {
  kind: string;
  sizeBytes: number;
  sizeBudgetBytes: number;
  firstExec: Summary;
  firstExecBudgetMs: number;
  samples: Record<string, Summary>;
  perExecOverheadMs: Record<string, { median: number; p95: number }>;
  perExecBudgetMs: number;
  met: { size: boolean; firstExec: boolean; perExec: boolean };
}

const CNI_ENV = {
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "bench-ctr",
  CNI_NETNS: "/var/run/netns/bench",
  CNI_IFNAME: "eth0",
  CNI_PATH: "/usr/lib/cni",
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
};

const SIZE_BUDGET = 80_000_000;
const FIRST_EXEC_BUDGET_MS = 3000;
const PER_EXEC_BUDGET_MS = 1;

/** Runs the suite; prints its tables; returns the report. */
export async function benchArtifact(
  opts: { root: string; rounds: number },
): Promise<ArtifactReport> {
  const built = JSON.parse(await Deno.readTextFile(join(opts.root, "dist/BUILD.json"))) as {
    kind: string;
    size: number;
  };
  const tmp = await Deno.makeTempDir({ prefix: "bench-artifact-" });
  try {
    // The launcher, built beside the packed file from the same sources.
    const launcher = await writeLauncherBuild(join(tmp, "launcher"));
    for (const name of ["passthru", "multus-shim"]) {
      await Deno.link(launcher, join(tmp, "launcher/bin", name));
    }
    const packedBin = join(opts.root, "dist/bin");
    const passthruConf = JSON.stringify({ cniVersion: "1.0.0", name: "aux", type: "passthru" });
    const shimConf = JSON.stringify({
      cniVersion: "1.0.0",
      name: "multus-cni-network",
      type: "multus-shim",
    });
    const checkAdd = (out: string) => {
      if (!out.includes('"interfaces"')) throw new Error(`unexpected output ${out}`);
    };
    const plugin = (dir: string, name: string) => ({
      name: `${name} (${dir === packedBin ? "packed" : "launcher"})`,
      run: () =>
        name === "passthru"
          ? timeCommand(join(dir, "passthru"), {
            env: CNI_ENV,
            stdin: passthruConf,
            check: checkAdd,
          })
          : timeCommand(join(dir, "multus-shim"), {
            env: { ...CNI_ENV, CNI_COMMAND: "VERSION" },
            stdin: shimConf,
            check: (out) => {
              if (!out.includes('"supportedVersions"')) throw new Error(`unexpected ${out}`);
            },
          }),
    });
    const launcherBin = join(tmp, "launcher/bin");
    const samples = await interleave([
      plugin(packedBin, "passthru"),
      plugin(launcherBin, "passthru"),
      plugin(packedBin, "multus-shim"),
      plugin(launcherBin, "multus-shim"),
    ], { rounds: opts.rounds, warmup: 3 });

    // First exec after install: a fresh copy and an empty runtime dir each time.
    const firsts: number[] = [];
    const firstRounds = Math.max(3, Math.min(10, Math.floor(opts.rounds / 4)));
    for (let i = 0; i < firstRounds; i++) {
      const node = join(tmp, `node${i}`);
      await Deno.mkdir(join(node, "bin"), { recursive: true });
      await Deno.mkdir(join(node, "runtime"), { mode: 0o700 });
      await Deno.copyFile(join(opts.root, "dist/bin/multus"), join(node, "bin/passthru"));
      await Deno.chmod(join(node, "bin/passthru"), 0o755);
      firsts.push(
        await timeCommand(join(node, "bin/passthru"), {
          env: { ...CNI_ENV, MULTUS_RUNTIME_DIR: join(node, "runtime") },
          stdin: passthruConf,
          check: checkAdd,
        }),
      );
      await Deno.remove(node, { recursive: true });
    }

    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
    const overhead = {
      passthru: pairedOverhead(samples["passthru (packed)"]!, samples["passthru (launcher)"]!),
      "multus-shim": pairedOverhead(
        samples["multus-shim (packed)"]!,
        samples["multus-shim (launcher)"]!,
      ),
    };
    const first = summarize(firsts);
    const report: ArtifactReport = {
      kind: built.kind,
      sizeBytes: built.size,
      sizeBudgetBytes: SIZE_BUDGET,
      firstExec: first,
      firstExecBudgetMs: FIRST_EXEC_BUDGET_MS,
      samples: s,
      perExecOverheadMs: overhead,
      perExecBudgetMs: PER_EXEC_BUDGET_MS,
      met: {
        size: built.size <= SIZE_BUDGET,
        firstExec: first.median <= FIRST_EXEC_BUDGET_MS,
        perExec: Object.values(overhead).every((o) => o.median <= PER_EXEC_BUDGET_MS),
      },
    };
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    console.log(`\nArtifact: dist/bin/multus (${built.kind} build)\n`);
    console.log(
      `size: ${(built.size / 1e6).toFixed(1)} MB (budget <= 80 MB: ${verdict(report.met.size)})`,
    );
    console.log(`\nPer exec, packed vs launcher, interleaved rounds (ms)\n`);
    console.log(table(
      ["variant", ...SUMMARY_HEADER.slice(1)],
      [
        ...Object.entries(s).map(([k, v]) => summaryRow(k, v)),
        summaryRow("first exec after install (unpacks)", first),
      ],
    ));
    for (const [name, o] of Object.entries(overhead)) {
      console.log(
        `${name}: packed - launcher per round: median ${fmt(o.median)} ms, p95 ${fmt(o.p95)} ` +
          `(budget <= ${PER_EXEC_BUDGET_MS} ms: ${verdict(o.median <= PER_EXEC_BUDGET_MS)})`,
      );
    }
    console.log(
      `first exec after install: median ${fmt(first.median)} ms over ${first.n} fresh installs ` +
        `(budget <= ${FIRST_EXEC_BUDGET_MS} ms: ${verdict(report.met.firstExec)})`,
    );
    return report;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
