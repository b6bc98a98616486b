/** Reads the report's charts back out of its HTML, checking each polyline against its own count. */
import { expect } from "vitest";

/** Each chart's series: name → number of points (checked against the polyline's own coordinates). */
export function chartSeries(html: string): Record<string, Record<string, number>> {
  const charts: Record<string, Record<string, number>> = {};
  for (const [, id, body] of html.matchAll(
    /<svg class="chart" data-chart="([^"]+)"[^>]*>([\s\S]*?)<\/svg>/g,
  )) {
    const series: Record<string, number> = {};
    for (const [, name, n, points] of body!.matchAll(
      /<polyline class="series" data-series="([^"]+)" data-points="(\d+)" points="([^"]*)"/g,
    )) {
      const pairs = points!.trim().split(/\s+/);
      expect(pairs.every((p) => /^-?[\d.]+,-?[\d.]+$/.test(p))).toBe(true);
      expect(pairs).toHaveLength(Number(n));
      series[name!] = pairs.length;
    }
    for (const [, label, value] of body!.matchAll(
      /<rect class="bar" data-label="([^"]+)" data-value="([^"]+)"/g,
    )) {
      series[`bar:${label}`] = Number(value);
    }
    charts[id!] = series;
  }
  return charts;
}
