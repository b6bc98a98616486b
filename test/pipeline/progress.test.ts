import { describe, expect, it } from "vitest";
import { progressPrinter } from "../../pipeline/progress.ts";
import { stageById } from "../../recipe/recipe.ts";

function fakeStream(isTTY: boolean) {
  let text = "";
  const write = (s: string) => {
    text += s;
    return true;
  };
  const stream = { isTTY, write } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe("the progress display", () => {
  const visit = { stage: stageById("sft") };
  const summary = {
    stage: "sft",
    status: "succeeded" as const,
    startedAt: "2026-01-01T00:00:00Z",
    durationS: 12.34,
    outputs: {},
    metrics: { loss_last: 0.1234567, steps: 10 },
    warnings: ["something to know"],
  };

  it("on a terminal: a live bar with the worker's step and figures, then one line per stage", () => {
    const out = fakeStream(true);
    const print = progressPrinter(out.stream);
    print({ type: "plan", visits: [visit], runUri: "/runs/x" });
    print({ type: "start", visit, index: 0 });
    print({ type: "progress", visit, metrics: { step: 5, steps: 10, loss: 0.5 } });
    print({ type: "done", visit, summary, wallS: 13 });
    expect(out.text()).toContain("[##########..........] 5/10 loss=0.5");
    expect(out.text()).toMatch(/✓ Cold-start SFT\s+12\.3s {2}loss_last=0\.1235/);
    expect(out.text()).toContain("! something to know");
  });

  it("in a log file: no live line, the stage lines and the failure with its log", () => {
    const out = fakeStream(false);
    const print = progressPrinter(out.stream);
    print({ type: "plan", visits: [visit], runUri: "/runs/x" });
    print({ type: "progress", visit, metrics: { step: 5, steps: 10 } });
    print({
      type: "failed",
      visit,
      error: new Error("worker exited with code 3\nmore"),
      logFile: "/runs/x/w.log",
    });
    expect(out.text()).not.toContain("5/10");
    expect(out.text()).toContain("✗ Cold-start SFT: worker exited with code 3\n      log: /runs/x/w.log");
  });
});
