/**
 * Inline SVG for the report's charts: no library, no script, so the report renders anywhere.
 * Each chart is `<svg class="chart" data-chart="<id>">`; a line series is a `<polyline
 * class="series" data-series="<name>" data-points="<n>">` with a dot per point; a bar is
 * `<rect class="bar" data-label=… data-value=…>`.
 */
import type { BarChart, LineChart } from "./charts.ts";
import { formatNumber } from "./key-metrics.ts";

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04"];

/** Escapes text for HTML content and double-quoted attributes. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const W = 600;
const H = 260;
const M = { left: 56, right: 120, top: 16, bottom: 40 };
const r2 = (n: number) => Math.round(n * 100) / 100;

/** A range with room around it; a flat range gets some height so a constant series shows. */
function extent(values: number[], pad: number): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  lo -= d;
  hi += d;
  return [lo, hi];
}

/** "Nice" tick values (1, 2 or 5 × 10ⁿ apart) inside [lo, hi], about `n` of them; whole numbers when `integers`. */
function ticks(lo: number, hi: number, n: number, integers: boolean): number[] {
  const raw = (hi - lo) / Math.max(1, n - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  if (integers) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = extent(xs, 0.04);
  const [y0, y1] = extent(ys, 0.08);
  const px = (x: number) => r2(M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right));
  const py = (y: number) => r2(H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom));
  const out: string[] = [];
  out.push(
    `<path class="axes" d="M${M.left},${M.top} V${H - M.bottom} H${W - M.right}" fill="none" stroke="#888"/>`,
  );
  for (const t of ticks(y0, y1, 6, false)) {
    out.push(
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${esc(formatNumber(t))}</text>`,
    );
  }
  for (const t of ticks(x0, x1, 8, xs.every(Number.isInteger))) {
    out.push(
      `<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(formatNumber(t))}</text>`,
    );
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle" class="axis-label">${esc(chart.xLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = s.points.map(([x, y]) => `${px(x)},${py(y)}`).join(" ");
    out.push(
      `<polyline class="series" data-series="${esc(s.name)}" data-points="${s.points.length}" points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    if (s.points.length <= 60) {
      for (const [x, y] of s.points) {
        out.push(
          `<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${color}"><title>${esc(`${s.name} @ ${x}: ${formatNumber(y)}`)}</title></circle>`,
        );
      }
    }
    const ly = M.top + 4 + i * 16;
    out.push(
      `<rect x="${W - M.right + 12}" y="${ly}" width="10" height="10" fill="${color}"/>`,
      `<text x="${W - M.right + 27}" y="${ly + 9}" class="legend">${esc(s.name)}</text>`,
    );
  });
  return svg(chart.id, chart.title, out);
}

export function barChartSvg(chart: BarChart): string {
  const label = 170;
  const rowH = 26;
  const height = M.top + chart.bars.length * rowH + 12;
  const max = Math.max(1, ...chart.bars.map((b) => b.value));
  const scale = (v: number) => r2((v / max) * (W - label - 60));
  const out = [`<path class="axes" d="M${label},${M.top - 4} V${height - 8}" fill="none" stroke="#888"/>`];
  chart.bars.forEach((b, i) => {
    const y = M.top + i * rowH;
    const color = i === 0 ? PALETTE[2] : PALETTE[1];
    out.push(
      `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect class="bar" data-label="${esc(b.label)}" data-value="${b.value}" x="${label}" y="${y}" width="${Math.max(1, scale(b.value))}" height="${rowH - 8}" fill="${color}"/>`,
      `<text x="${label + scale(b.value) + 6}" y="${y + 15}">${esc(formatNumber(b.value))}</text>`,
    );
  });
  return svg(chart.id, chart.title, out, height);
}

function svg(id: string, title: string, body: string[], height = H): string {
  return [
    `<svg class="chart" data-chart="${esc(id)}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(title)}">`,
    ...body,
    "</svg>",
  ].join("\n");
}
