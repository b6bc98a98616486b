/**
 * The JSON Schema documents the Python worker validates against, generated from the zod schemas
 * (never copied by hand). `npm run schemas` writes them; a test fails when the checked-in copy is stale.
 */
import { z } from "zod";
import { Manifest } from "./manifest.ts";
import { StageSummary, SuccessMarker, WorkerSpec } from "./stage-spec.ts";
import { TABLES } from "./tables/index.ts";

const toSchema = (schema: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" });

/** Each table: its Arrow columns (type names from `ARROW_TYPE_NAMES`) and the JSON Schema of a row. */
function tablesDocument() {
  return Object.fromEntries(
    Object.entries(TABLES).map(([name, table]) => [
      name,
      { doc: table.doc, columns: table.columns, row: toSchema(table.row, "output") },
    ]),
  );
}

/** File name → document, in a stable order. */
export function jsonSchemaDocuments(): Record<string, unknown> {
  return {
    "manifest.schema.json": toSchema(Manifest, "input"),
    "worker-spec.schema.json": toSchema(WorkerSpec, "input"),
    "stage-summary.schema.json": toSchema(StageSummary, "input"),
    "success-marker.schema.json": toSchema(SuccessMarker, "input"),
    "tables.json": tablesDocument(),
  };
}

export function renderDocument(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
