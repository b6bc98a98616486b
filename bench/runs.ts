/**
 * What bench:pipeline and bench:efficacy share: the demo manifest with overrides (the GRPO loop, a
 * seed, stages off), the `--loop` flag, and mean ± sd.
 */
import { join } from "node:path";
import { readText } from "../functions/io/objects.ts";
import { parseJsonText, parseManifest } from "../recipe/manifest-io.ts";
import { plannedVisits } from "../recipe/recipe.ts";
import { type Manifest, StagesSettings } from "../schemas/manifest.ts";

export const DEMO_MANIFEST = join(import.meta.dirname, "../examples/tiny-arithmetic.json");
export const LOOPS = ["stages", "block"] as const;
export type Loop = (typeof LOOPS)[number];

/** `--loop stages|block` → that one; absent → both, stages (before) first. */
export function loopsOf(flag: string | undefined): Loop[] {
  if (flag === undefined) return [...LOOPS];
  if (!(LOOPS as readonly string[]).includes(flag)) {
    throw new Error(`--loop: expected one of ${LOOPS.join(", ")}, found "${flag}"`);
  }
  return [flag as Loop];
}

type Json = Record<string, unknown>;

/** Deep merge of plain objects (arrays and scalars in `patch` replace). */
function merge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    const both = [b, v].every((x) => typeof x === "object" && x !== null && !Array.isArray(x));
    out[k] = both ? merge(b as Json, v as Json) : v;
  }
  return out;
}

/**
 * A manifest file with `patch` merged in and `stages.grpo.loop` = `loop`, validated as any manifest.
 * The stages loop cannot run dynamic sampling (the demo's manifest has it on): that variant turns it
 * off, and says so on stderr.
 */
export async function manifestVariant(uri: string, loop: Loop, patch: Json = {}): Promise<Manifest> {
  const asked = merge(parseJsonText(await readText(uri), uri) as Json, patch);
  const grpo: Json = { loop };
  const dynamic = (asked as { stages?: { grpo?: { dynamicSampling?: { enabled?: boolean } } } }).stages?.grpo
    ?.dynamicSampling?.enabled;
  if (loop === "stages" && dynamic === true) {
    console.error(`${uri}: dynamic sampling off for the stages loop (it runs in the block loop only)`);
    grpo.dynamicSampling = { enabled: false };
  }
  const variant = merge(asked, { stages: { grpo } });
  const manifest = parseManifest(JSON.stringify(variant), `${uri} (with the bench's overrides)`);
  const ids = new Set(plannedVisits(manifest).map((v) => v.stage.id));
  if (loop === "block" && !ids.has("grpo-block")) {
    throw new Error(
      `stages.grpo.loop "block": the recipe plans no grpo-block visit for this manifest (visits: ${[...ids].join(", ")})`,
    );
  }
  return manifest;
}

/**
 * `{ <stage>: { enabled: false } }` for each of `stages` the manifest schema has (a stage another
 * version of the recipe lacks, e.g. a second RL round, is left out rather than refused).
 */
export function stagesOff(stages: readonly string[]): Record<string, { enabled: false }> {
  const known = stages.filter((s) => s in StagesSettings.shape);
  return Object.fromEntries(known.map((s) => [s, { enabled: false as const }]));
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number; n: number } {
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

/** A text table: the first column left-aligned, the rest right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `--name value` from argv (undefined when absent). */
export function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name}: expected a value`);
  return value;
}
