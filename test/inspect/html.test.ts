import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatherRun } from "../../pipeline/inspect/gather.ts";
import { renderHtml } from "../../pipeline/inspect/html.ts";
import type { InspectModel } from "../../pipeline/inspect/model.ts";
import { writeSyntheticRun } from "./fixture.ts";
import { chartSeries } from "./svg-series.ts";

let dir: string;
let model: InspectModel;
let html: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "r1flow-inspect-html-"));
  model = await gatherRun(await writeSyntheticRun(dir));
  html = renderHtml(model, new Date("2026-01-02T04:00:00Z"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("r1flow inspect --html: the report", () => {
  it("draws every chart with one point per iteration, step or update", () => {
    expect(chartSeries(html)).toEqual({
      // reward.language is 0 throughout: left out.
      reward: { total: 2, accuracy: 2, format: 2 },
      accuracy: { accuracy: 2 },
      kl: { kl: 2 },
      entropy: { entropy: 2 },
      "clip-fraction": { "clip fraction": 2 },
      curriculum: { level: 3 },
      rejection: {
        "bar:kept": 10,
        "bar:dropped: duplicate": 4,
        "bar:dropped: format": 6,
        "bar:dropped: incorrect": 20,
      },
      "sft-loss": { sft: 5, sft2: 3 },
    });
    expect(html).toContain("keep rate 25.0%");
    expect(html).not.toContain("data-chart-missing");
  });

  it("is self-contained: no external references, no script", () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|@import|url\(/i);
    expect(html.startsWith("<!doctype html>")).toBe(true);
  });

  it("has the checkpoints side by side with the change per stage, and escaped sample completions", () => {
    const evalTable = /<table class="eval"[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    expect(evalTable).toContain(
      "<th>benchmark</th><th>measure</th><th>base</th><th>sft</th><th>Δ sft</th><th>grpo</th><th>Δ grpo</th><th>sft2</th><th>Δ sft2</th>",
    );
    const cell = (v: string) => `<td class="num">${v}</td>`;
    const delta = (cls: string, v: string) =>
      `<td class="num delta"><span class="${cls}">${v} pts</span></td>`;
    expect(evalTable).toContain(
      `<td>arith-eval</td><td>pass@1</td>${cell("25.0%")}${cell("37.5%")}${delta("up", "+12.5")}${cell("62.5%")}${delta("up", "+25.0")}${cell("50.0%")}${delta("down", "-12.5")}</tr>`,
    );
    expect(evalTable).toContain(`<td>maj@4</td>`);
    expect(evalTable).toContain(`${cell("75.0%")}${delta("", "0.0")}</tr>`);
    expect(html).toContain("final is the same model as sft2: evaluated once, shown as sft2");
    expect(html).toContain(
      "What is 2+3? &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#34;quotes&#34;",
    );
    expect(html.match(/<div class="sample">/g)).toHaveLength(7);
    expect(html).toContain("reward_total 2");
    expect(html).toContain('<span class="ok">correct</span>');
  });

  it("says which charts have no data yet instead of drawing empty ones", () => {
    const early: InspectModel = {
      ...model,
      visits: model.visits.slice(0, 3),
      grpo: { ...model.grpo, iterations: [] },
      sftLoss: {},
      eval: { checkpoints: [], rows: [], aliases: {}, skipped: {} },
      samples: [],
    };
    const page = renderHtml(early);
    expect(page).toContain('data-chart-missing="reward"');
    expect(page).toContain('data-chart-missing="rejection"');
    expect(page).toContain('data-table-missing="eval"');
    expect(chartSeries(page)).toEqual({ curriculum: { level: 1 } });
  });
});
