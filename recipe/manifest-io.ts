/** Reading a manifest: JSON errors with line and column, then every schema problem with its path. */
import { formatIssues, SchemaError } from "../schemas/errors.ts";
import { Manifest } from "../schemas/manifest.ts";

/** Line and column of a character offset, 1-based. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const at = position ? ` at ${lineColumn(text, Number(position[1]))}` : "";
    throw new SchemaError(where, [`not valid JSON${at}: ${message}`]);
  }
}

/** Parse and validate manifest text; throws SchemaError listing every problem. */
export function parseManifest(text: string, where: string): Manifest {
  const raw = parseJsonText(text, where);
  const result = Manifest.safeParse(raw);
  if (!result.success) throw new SchemaError(where, formatIssues(result.error, raw));
  return result.data;
}
