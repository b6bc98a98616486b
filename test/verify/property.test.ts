import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AnswerType, verify } from "../../functions/verify/index.ts";

/** A finite decimal as integer digits and a scale: value = units / 10^scale. */
const decimal = fc.record({
  units: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
  scale: fc.integer({ min: 0, max: 4 }),
});

/** Exact decimal text of units / 10^scale, e.g. (-12345n, 2) → "-123.45". */
function plain(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? "-" : ""}${int}${scale > 0 ? `.${frac}` : ""}`;
}

function withCommas(s: string): string {
  const [int = "", frac] = s.split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const grouped = int.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}${frac !== undefined ? `.${frac}` : ""}`;
}

/** Every supported way of writing the same number. */
function notations(units: bigint, scale: number): string[] {
  const p = plain(units, scale);
  const abs = units < 0n ? -units : units;
  const sign = units < 0n ? "-" : "";
  const den = (10n ** BigInt(scale)).toString();
  const out = [p, withCommas(p), `${sign}$${withCommas(p).replace("-", "")}`, Number(p).toExponential()];
  out.push(`${units}/${den}`, `${sign}\\frac{${abs}}{${den}}`, `${p}${scale === 0 ? ".0" : "0"}`);
  out.push(
    `${Number(p)
      .toExponential(6)
      .replace(/e\+?(-?\d+)/, "\\times10^{$1}")}`,
  );
  return out;
}

describe("numbers equal themselves in every notation", () => {
  it("plain gold vs each notation, boxed or bare", () => {
    fc.assert(
      fc.property(decimal, ({ units, scale }) => {
        const gold = plain(units, scale);
        for (const n of notations(units, scale)) {
          // toExponential(6) rounds: only exact when the value has at most 7 significant digits.
          if (n.includes("\\times") && Math.abs(Number(gold) - Number(Number(gold).toExponential(6))) > 0)
            continue;
          expect(
            verify(gold, `The answer is $\\boxed{${n}}$.`, { answerType: "numeric" }).equivalent,
            n,
          ).toBe(true);
          expect(verify(gold, n, { extract: false }).equivalent, n).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("a different integer is never equal", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (n, d) => {
        expect(verify(String(n), `#### ${withCommas(String(n + d))}`).equivalent).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

const LATEXY = fc.constantFrom(
  "\\frac",
  "{",
  "}",
  "\\boxed",
  "\\boxed{",
  "^",
  "_",
  "\\sqrt",
  "(",
  ")",
  "[",
  "]",
  "1",
  "0",
  "x",
  "=",
  ",",
  "\\pm",
  "\\{",
  "\\}",
  "</think>",
  "####",
  "\\text{",
  "$",
  "\\left",
  "|",
  "\\begin{pmatrix}",
  "\\end{pmatrix}",
  "&",
  "\\\\",
  "\\cup",
  "\\infty",
  "%",
  "e",
  "i",
  "/",
  " ",
);

describe("verify never throws", () => {
  const types = fc.constantFrom<AnswerType | undefined>("numeric", "math", "choice", "label", undefined);
  const text = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.array(LATEXY, { maxLength: 30 }).map((a) => a.join("")),
  );

  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(text, text, types, (gold, pred, answerType) => {
        const r = verify(gold, pred, { answerType });
        expect(typeof r.equivalent).toBe("boolean");
        expect(typeof r.rule).toBe("string");
        const raw = verify(gold, pred, { answerType, extract: false, choices: [gold, pred] });
        expect(typeof raw.equivalent).toBe("boolean");
      }),
      { numRuns: 1500 },
    );
  });
});
