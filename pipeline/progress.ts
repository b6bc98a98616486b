/**
 * The one progress display of `r1flow run`: a line per stage (state, duration, key figures) and,
 * on a terminal, a live line inside long stages with the worker's latest metrics.
 */

import type { StageVisit } from "../recipe/recipe.ts";
import type { StageSummary } from "../schemas/stage-spec.ts";
import type { RunEvent } from "./runner.ts";

const KEY_METRICS = [
  "loss_last",
  "held_out_pair_accuracy",
  "loss",
  "accuracy",
  "reward.total",
  "kl",
  "entropy",
  "clip_fraction",
  "pair_accuracy",
  "keepRate",
  "rows",
  "level",
];

function label(visit: StageVisit): string {
  const title = visit.stage.title;
  return visit.iteration === undefined ? title : `${title} #${visit.iteration}`;
}

function figures(metrics: Record<string, unknown>, limit = 4): string {
  const shown: string[] = [];
  for (const key of KEY_METRICS) {
    const value = metrics[key];
    if (typeof value === "number" && shown.length < limit)
      shown.push(`${key}=${Number(value.toPrecision(4))}`);
  }
  return shown.join(" ");
}

/** A 20-cell bar for a share in [0, 1]. */
function bar(share: number): string {
  const cells = Math.max(0, Math.min(20, Math.round(share * 20)));
  return `[${"#".repeat(cells)}${".".repeat(20 - cells)}]`;
}

export function progressPrinter(out: NodeJS.WriteStream = process.stdout): (event: RunEvent) => void {
  const live = out.isTTY === true;
  let total = 0;
  let lastLive = 0;
  const clear = () => live && out.write("\r\x1b[2K");
  return (event) => {
    switch (event.type) {
      case "plan":
        total = event.visits.length;
        out.write(`run directory: ${event.runUri}\n${total} stage visits\n`);
        return;
      case "start":
        if (live) out.write(`  … [${event.index + 1}/${total}] ${label(event.visit)}`);
        return;
      case "progress": {
        const now = Date.now();
        if (!live || now - lastLive < 250) return;
        lastLive = now;
        const { step: at, steps: of } = event.metrics;
        const step =
          typeof at !== "number"
            ? ""
            : typeof of === "number"
              ? `${bar(at / of)} ${at}/${of} `
              : `step ${at} `;
        clear();
        out.write(`  … ${label(event.visit)}: ${step}${figures(event.metrics, 5)}`);
        return;
      }
      case "done": {
        clear();
        const s: StageSummary = event.summary;
        const mark = s.status === "skipped" ? "↷" : "✓";
        const time = s.status === "skipped" ? "skipped (complete)" : `${s.durationS.toFixed(1)}s`;
        out.write(`  ${mark} ${label(event.visit).padEnd(34)} ${time.padStart(9)}  ${figures(s.metrics)}\n`);
        for (const w of s.warnings) out.write(`      ! ${w}\n`);
        return;
      }
      case "failed":
        clear();
        out.write(`  ✗ ${label(event.visit)}: ${event.error.message.split("\n")[0]}\n`);
        if (event.logFile) out.write(`      log: ${event.logFile}\n`);
        return;
    }
  };
}
