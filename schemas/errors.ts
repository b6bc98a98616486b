/** Turns zod issues into one line each: `stages.grpo.groupSize: expected an integer ≥ 2, got 1`. */
import type { z } from "zod";

export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== "object" || !(key in current))
      return { found: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issuePath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return `${where}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  const at = valueAt(input, issue.path);
  const got = at.found ? `, got ${show(at.value)}` : ", got nothing (required)";
  return `${where}: ${issue.message.replace(/^Invalid input: /, "")}${got}`;
}

export function formatIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => formatIssue(issue, input));
}

/** Parse or throw an error whose message lists every problem, prefixed with where the input came from. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new SchemaError(where, formatIssues(result.error, input));
}

export class SchemaError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(
      `${where}: ${problems.length} problem${problems.length > 1 ? "s" : ""}\n  ${problems.join("\n  ")}`,
    );
    this.name = "SchemaError";
  }
}
