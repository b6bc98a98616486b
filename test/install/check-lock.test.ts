import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// scripts/check_lock.py against the real .venv (built from locks/worker-cpu.txt by scripts/install.sh)
// and against locks that disagree with it on purpose.
const python = ".venv/bin/python";

function checkLock(...args: string[]) {
  const r = spawnSync(python, ["scripts/check_lock.py", ...args], { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function lockFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "r1flow-lock-")), "lock.txt");
  writeFileSync(file, text);
  return file;
}

describe("check_lock", () => {
  it("passes on the worker venv and its lock", () => {
    const r = checkLock(
      "locks/worker-cpu.txt",
      "--editable",
      "r1worker",
      "--inputs",
      "locks/worker-cpu.in",
      "gpu-worker/pyproject.toml",
    );
    expect(r.out).toContain("agree");
    expect(r.status).toBe(0);
  });

  it("names a package installed at another version and one the lock lacks", () => {
    const torch = "torch==2.12.0+cpu \\\n    --hash=sha256:00\n";
    const r = checkLock(lockFile(torch));
    expect(r.status).toBe(1);
    expect(r.out).toContain("torch is 2.13.0+cpu, the lock says 2.12.0+cpu");
    expect(r.out).toMatch(/pyarrow==26\.0\.1 is installed but not in the lock/);
  });

  it("names an input pin the lock does not hold", () => {
    const input = lockFile("vllm==0.29.0\n");
    const r = checkLock("locks/worker-gpu.txt", "--no-env", "--inputs", input);
    expect(r.status).toBe(1);
    expect(r.out).toContain("pins vllm==0.29.0, the lock holds 0.30.0");
  });
});
