import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { jsonSchemaDocuments, renderDocument } from "../../schemas/json-schema.ts";
import { type ArrowTypeName, arrowTypeName, TABLES, tableByName } from "../../schemas/tables/index.ts";

/** What each Arrow type name accepts, expressed as sample values a zod field must take or refuse. */
function zodKind(schema: z.ZodType): string {
  const def = (
    schema as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType; element?: z.ZodType } } }
  )._zod.def;
  if (def.type === "nullable" && def.innerType) return `${zodKind(def.innerType)}?`;
  if (def.type === "array" && def.element) return `list<${zodKind(def.element)}>`;
  if (def.type === "number") {
    const isInt = (schema as z.ZodNumber).safeParse(0.5).success === false;
    return isInt ? "int" : "float";
  }
  return def.type; // string, enum, boolean
}

const compatible: Record<ArrowTypeName, string[]> = {
  utf8: ["string"],
  "dict<utf8>": ["string", "enum"],
  bool: ["boolean"],
  int8: ["int"],
  int32: ["int"],
  float32: ["float"],
  float64: ["float"],
  "list<int8>": ["list<int>"],
  "list<int32>": ["list<int>"],
  "list<float32>": ["list<float>"],
  "list<utf8>": ["list<string>"],
};

describe("tables: zod and Arrow declared side by side stay in step", () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name}: every column has a matching zod field, type and nullability`, () => {
      expect(table.name).toBe(name);
      const shape = table.row.shape as Record<string, z.ZodType>;
      expect(table.columns.map((c) => c.name)).toEqual(Object.keys(shape));
      expect(table.arrowSchema.fields.map((f) => f.name)).toEqual(Object.keys(shape));
      for (const column of table.columns) {
        const kind = zodKind(shape[column.name]!);
        const nullable = kind.endsWith("?");
        expect(nullable, `${name}.${column.name} nullability`).toBe(column.nullable);
        expect(compatible[column.type], `${name}.${column.name}: ${column.type} vs zod ${kind}`).toContain(
          kind.replace(/\?$/, ""),
        );
        const field = table.arrowSchema.fields.find((f) => f.name === column.name)!;
        expect(arrowTypeName(field.type)).toBe(column.type);
        expect(field.nullable).toBe(column.nullable);
        expect(column.doc.length).toBeGreaterThan(3);
      }
    });
  }

  it("rollouts carry token ids as list<int32> and log-probs as list<float32>", () => {
    const types = Object.fromEntries(TABLES.rollouts.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      prompt_token_ids: "list<int32>",
      completion_token_ids: "list<int32>",
      logprobs: "list<float32>",
      group_id: "utf8",
      sample_index: "int32",
      policy_version: "int32",
      finish_reason: "dict<utf8>",
    });
  });

  it("an unknown table name lists the valid ones", () => {
    expect(() => tableByName("rollout")).toThrow(
      /unknown table "rollout"; valid tables: problems, sft_examples/,
    );
  });
});

describe("generated JSON Schema for the worker", () => {
  it("the checked-in copy in schemas/generated is current (run `npm run schemas`)", () => {
    const dir = join(import.meta.dirname, "../../schemas/generated");
    for (const [file, doc] of Object.entries(jsonSchemaDocuments())) {
      const onDisk = readFileSync(join(dir, file), "utf8");
      expect(onDisk, `schemas/generated/${file} is stale: run npm run schemas`).toBe(renderDocument(doc));
    }
  });
});

describe("docs/manifest-defaults.md", () => {
  it("is current with the schema's defaults (run `npm run schemas`)", async () => {
    const { manifestDefaultsMarkdown } = await import("../../schemas/manifest-doc.ts");
    const onDisk = readFileSync(join(import.meta.dirname, "../../docs/manifest-defaults.md"), "utf8");
    expect(onDisk).toBe(manifestDefaultsMarkdown());
    expect(onDisk).toContain("| `stages.grpo.groupSize` | `16` | R1: 16 outputs per question");
  });
});
