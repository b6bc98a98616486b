/** Field access on one parsed JSON record, with errors that name the field and what was found. */
import { IngestRowError } from "./row.ts";

export type JsonRecord = Record<string, unknown>;

/** The record itself, or an error when the line held JSON that is not an object. */
export function asRecord(value: unknown): JsonRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new IngestRowError(`expected a JSON object, found ${describe(value)}`);
  }
  return value as JsonRecord;
}

/** A required non-empty string field. */
export function requireString(rec: JsonRecord, field: string): string {
  const v = rec[field];
  if (v === undefined || v === null) throw new IngestRowError(`missing field "${field}"`);
  if (typeof v !== "string" || v.trim() === "") {
    throw new IngestRowError(`field "${field}": expected a non-empty string, found ${describe(v)}`);
  }
  return v;
}

/** An optional string field: undefined when absent or null. */
export function optionalString(rec: JsonRecord, field: string): string | undefined {
  const v = rec[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw new IngestRowError(`field "${field}": expected a string, found ${describe(v)}`);
  return v;
}

/** A required array of strings, optionally of a fixed length. */
export function requireStrings(rec: JsonRecord, field: string, length?: number): string[] {
  const v = rec[field];
  if (v === undefined || v === null) throw new IngestRowError(`missing field "${field}"`);
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new IngestRowError(`field "${field}": expected an array of strings, found ${describe(v)}`);
  }
  if (length !== undefined && v.length !== length) {
    throw new IngestRowError(`field "${field}": expected ${length} items, found ${v.length}`);
  }
  return v;
}

/** A short, readable rendering of an unexpected value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
