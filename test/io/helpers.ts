/** Temp dirs and a pyarrow runner for the I/O tests. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-io-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const VENV_PYTHON = resolve(".venv/bin/python");
export const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : "python3";

/** Runs a Python snippet (given argv) and parses the JSON it prints. */
export function runPython(code: string, args: string[] = []): unknown {
  const out = execFileSync(PYTHON, ["-c", code, ...args], { encoding: "utf8" });
  return JSON.parse(out);
}
