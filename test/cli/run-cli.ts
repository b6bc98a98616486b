/** Runs the real `r1flow` binary as a user would, capturing its output and exit code. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const REPO = join(import.meta.dirname, "../..");
export const DATA = join(REPO, "../shared/data");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function r1flow(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
  cwd = REPO,
): CliResult {
  const result = spawnSync(process.execPath, [join(REPO, "bin/r1flow.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
