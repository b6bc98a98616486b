/**
 * Opens the report in headless Chromium (Debian's `chromium`, installed by scripts/chromium.sh) and
 * checks the charts render: a probe script, added to a copy of the page, reads each chart's
 * geometry from the browser's layout; then a screenshot shows the series' colours inside each plot.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatherRun } from "../../pipeline/inspect/gather.ts";
import { renderHtml } from "../../pipeline/inspect/html.ts";
import { PALETTE } from "../../pipeline/inspect/svg.ts";
import { writeSyntheticRun } from "./fixture.ts";
import { decodePng } from "./png.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

const PROBE = `<script>
const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
  const r = svg.getBoundingClientRect();
  return {
    id: svg.dataset.chart, ns: svg.namespaceURI, x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
    series: [...svg.querySelectorAll("polyline.series")].map((p) => ({
      name: p.dataset.series, points: p.points.numberOfItems, length: p.getTotalLength(), box: p.getBBox().width + p.getBBox().height,
    })),
    bars: [...svg.querySelectorAll("rect.bar")].map((b) => b.getBBox().width),
  };
});
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify({ charts, height: document.documentElement.scrollHeight });
document.body.append(pre);
</script>`;

interface Probe {
  height: number;
  charts: {
    id: string;
    ns: string;
    x: number;
    y: number;
    width: number;
    height: number;
    series: { name: string; points: number; length: number; box: number }[];
    bars: number[];
  }[];
}

let dir: string;
let page: string;
let profile: string;

function chromium(args: string[]): string {
  return execFileSync(
    CHROMIUM,
    [
      ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
      ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
      ...["--hide-scrollbars", "--force-device-scale-factor=1", `--user-data-dir=${profile}`],
      ...args,
    ],
    { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] },
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `headless Chromium not found at ${CHROMIUM}: run scripts/chromium.sh (as root) to install Debian's chromium package`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), "r1flow-inspect-chromium-"));
  profile = join(dir, "profile");
  const html = renderHtml(await gatherRun(await writeSyntheticRun(join(dir, "store"))));
  page = join(dir, "report.html");
  writeFileSync(page, html.replace("</body>", `${PROBE}</body>`));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the HTML report in headless Chromium", () => {
  let probe: Probe;

  it("lays out every chart as SVG with drawn series and bars", () => {
    // The same width as the screenshot below, so the probe's positions are the screenshot's.
    const dom = chromium([
      "--window-size=1400,1000",
      "--virtual-time-budget=5000",
      "--dump-dom",
      `file://${page}`,
    ]);
    const text = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
    expect(text, "the probe script did not run in Chromium").toBeDefined();
    probe = JSON.parse(text!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")) as Probe;
    expect(probe.charts.map((c) => c.id)).toEqual([
      ...["reward", "accuracy", "kl", "entropy", "clip-fraction", "curriculum", "rejection", "sft-loss"],
    ]);
    for (const chart of probe.charts) {
      expect(chart.ns, chart.id).toBe("http://www.w3.org/2000/svg");
      expect(chart.width, chart.id).toBeGreaterThan(300);
      expect(chart.height, chart.id).toBeGreaterThan(50);
      for (const s of chart.series) {
        expect(s.length, `${chart.id}/${s.name} drawn length`).toBeGreaterThan(10);
        expect(s.box, `${chart.id}/${s.name} bounding box`).toBeGreaterThan(10);
      }
      expect(chart.bars.every((w) => w > 0)).toBe(true);
    }
    const byId = Object.fromEntries(probe.charts.map((c) => [c.id, c]));
    expect(byId.reward?.series.map((s) => [s.name, s.points])).toEqual([
      ["total", 2],
      ["accuracy", 2],
      ["format", 2],
    ]);
    expect(byId["sft-loss"]?.series.map((s) => s.points)).toEqual([5, 3]);
    expect(byId.rejection?.bars).toHaveLength(4);
  });

  it("paints each chart: the series colours show inside every plot of a screenshot", () => {
    expect(probe, "needs the layout probe of the previous test").toBeDefined();
    const shot = join(dir, "shot.png");
    const height = Math.min(Math.ceil(probe.height) + 20, 10_000);
    chromium([`--window-size=1400,${height}`, `--screenshot=${shot}`, `file://${page}`]);
    const image = decodePng(readFileSync(shot));
    expect(image.width).toBe(1400);
    const palette = PALETTE.map((hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)));
    for (const chart of probe.charts) {
      // The plot area only (legend swatches are to its right).
      let painted = 0;
      for (let y = Math.ceil(chart.y); y < Math.min(image.height, chart.y + chart.height); y++) {
        for (let x = Math.ceil(chart.x + 56); x < chart.x + 480; x++) {
          const [r, g, b] = image.rgb(x, y);
          if (palette.some(([pr, pg, pb]) => Math.abs(r - pr!) + Math.abs(g - pg!) + Math.abs(b - pb!) < 40))
            painted++;
        }
      }
      expect(painted, `pixels in the series colours in chart ${chart.id}`).toBeGreaterThan(40);
    }
  });
});
