/** Generated rows for any table: every column type, with nulls and empty lists; values survive float32. */

import type { z } from "zod";
import { enumValues } from "../../functions/io/dictionary.ts";
import type { ColumnDef, Row, TableDef } from "../../schemas/tables/define.ts";

function value(col: ColumnDef, schema: z.ZodType | undefined, i: number): unknown {
  if (col.nullable && i % 4 === 1) return null;
  const n = i % 3 === 0 ? 0 : 1 + (i % 4); // list length; every third list is empty
  switch (col.type) {
    case "utf8":
      return `${col.name}-${i}-é✓`;
    case "dict<utf8>": {
      const options = enumValues(schema);
      return options.length > 0 ? options[i % options.length] : `${col.name}-${i % 3}`;
    }
    case "bool":
      return i % 2 === 0;
    case "int8":
      return 1 + (i % 5); // levels are 1–5
    case "int32":
      return i * 7;
    case "float32":
    case "float64":
      return i * 0.25;
    case "list<int8>":
      return Array.from({ length: n }, (_, j) => (j % 3) - 1); // step labels −1, 0, +1
    case "list<int32>":
      return Array.from({ length: n }, (_, j) => i * 100 + j);
    case "list<float32>":
      return Array.from({ length: n }, (_, j) => -0.5 * j);
    case "list<utf8>":
      return Array.from({ length: n }, (_, j) => `opt${j}`);
  }
}

export function makeRows<T extends TableDef>(def: T, count: number, from = 0): Row<T>[] {
  const shape = def.row.shape as Record<string, z.ZodType>;
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return Object.fromEntries(def.columns.map((c) => [c.name, value(c, shape[c.name], i)])) as Row<T>;
  });
}

/** A rollouts-like row with `tokens` completion token ids, for size tests. */
export function tokenRow(i: number, tokens: number): Record<string, unknown> {
  const ids = Array.from({ length: tokens }, (_, j) => (i + j) % 50_000);
  return {
    id: `g${i >> 3}/${i & 7}`,
    problem_id: `p${i >> 3}`,
    group_id: `g${i >> 3}`,
    sample_index: i & 7,
    policy_version: 1,
    level: 1 + (i % 5),
    answer: "42",
    answer_type: "numeric",
    choices: [],
    prompt: "What is 6*7?",
    completion: "<think>6*7=42</think> 42",
    prompt_token_ids: [1, 2, 3, 4, 5, 6, 7, 8],
    completion_token_ids: ids,
    logprobs: ids.map((x) => -(x % 7) / 8),
    finish_reason: i % 10 === 0 ? "length" : "stop",
    rm_score: null,
    rm_step_scores: null,
    step_token_ends: null,
  };
}
