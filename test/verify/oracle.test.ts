/**
 * Oracle test: r1flow's verifier against math-verify (the Python peer in .venv) on 10,000 generated
 * pairs — MATH-500, MATH train and GSM8K reference answers in many notations and model-output
 * wrappers, plus non-equivalent perturbations. Requires >= 97 % agreement and prints every
 * disagreement class (`rewrite/wrapper ours=… math-verify=… by-construction=…`) with its count.
 * Where math-verify is wrong on purpose-built pairs, docs/verification.md names the class.
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../functions/verify/index.ts";
import { disagreements } from "./oracle/classes.ts";
import { generatePairs } from "./oracle/generate.ts";
import { peerAvailable, peerVerdicts } from "./oracle/peer.ts";

const PAIRS = 10_000;
const MIN_AGREEMENT = 0.97;
const MIN_BY_CONSTRUCTION = 0.995;

describe("agreement with math-verify", () => {
  const pairs = generatePairs(PAIRS);

  it("generates the pairs it promises, both equivalent and perturbed", () => {
    expect(pairs).toHaveLength(PAIRS);
    const perturbed = pairs.filter((p) => !p.expected).length;
    expect(perturbed).toBeGreaterThan(PAIRS * 0.2);
    expect(new Set(pairs.map((p) => p.cls.split("/")[0])).size).toBeGreaterThanOrEqual(4);
  });

  it(`agrees on >= ${MIN_AGREEMENT * 100} % of ${PAIRS} generated pairs`, { timeout: 900_000 }, () => {
    expect(peerAvailable(), "math-verify must be importable from .venv (locks/worker-cpu.txt)").toBe(true);
    const t = performance.now();
    const ours = pairs.map((p) => verify(p.gold, p.pred).equivalent);
    const oursMs = performance.now() - t;
    const peer = peerVerdicts(pairs, 2);
    const { agreement: share, lines } = disagreements(pairs, ours, peer.verdicts);
    const byConstruction = ours.filter((v, k) => v === pairs[k]?.expected).length / pairs.length;
    console.log(
      `agreement ${(share * 100).toFixed(2)} % on ${pairs.length} pairs; ours ${oursMs.toFixed(0)} ms, ` +
        `math-verify ${peer.seconds.toFixed(1)} s (pool of 2); ours matches the by-construction ` +
        `verdict on ${(byConstruction * 100).toFixed(2)} %\ndisagreements by class:\n${lines.join("\n")}`,
    );
    expect(share).toBeGreaterThanOrEqual(MIN_AGREEMENT);
    // Where the two differ, the generated verdict says who is right: ours must nearly always be.
    expect(byConstruction).toBeGreaterThanOrEqual(MIN_BY_CONSTRUCTION);
  });
});
