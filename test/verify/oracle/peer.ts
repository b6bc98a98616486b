/**
 * Runs math-verify (the peer) on pairs through test/verify/oracle/math_verify_oracle.py in the
 * repository's .venv, with a pool of worker processes.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./math_verify_oracle.py", import.meta.url));
const PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url));

/** Whether the .venv can import math_verify. */
export function peerAvailable(): boolean {
  return (
    existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import math_verify"], { stdio: "ignore" }).status === 0
  );
}

/** math-verify's verdict for each pair, in order, and its wall time in seconds. */
export function peerVerdicts(
  pairs: readonly { gold: string; pred: string }[],
  workers = 2,
): { verdicts: boolean[]; seconds: number } {
  const input = pairs.map((p) => JSON.stringify({ gold: p.gold, pred: p.pred })).join("\n");
  const r = spawnSync(PYTHON, [SCRIPT, "--workers", String(workers)], {
    input,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0)
    throw new Error(`math-verify oracle failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const verdicts = r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { equivalent: boolean }).equivalent);
  if (verdicts.length !== pairs.length)
    throw new Error(`math-verify oracle: ${verdicts.length} verdicts for ${pairs.length} pairs`);
  const stats = /\{"pairs".*\}/.exec(r.stderr)?.[0];
  return { verdicts, seconds: stats ? (JSON.parse(stats) as { seconds: number }).seconds : Number.NaN };
}
