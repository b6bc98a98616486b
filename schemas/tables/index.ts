/** Every Arrow table of the pipeline, by name. */
import type { TableDef } from "./define.ts";
import { evalRecords } from "./eval-records.ts";
import { preferencePairs } from "./preference-pairs.ts";
import { problems } from "./problems.ts";
import { rollouts } from "./rollouts.ts";
import { scoredRollouts } from "./scored-rollouts.ts";
import { sftExamples } from "./sft-examples.ts";
import { stepLabels } from "./step-labels.ts";

export {
  ARROW_TYPE_NAMES,
  type ArrowTypeName,
  arrowType,
  arrowTypeName,
  type ColumnDef,
  type Row,
  type TableDef,
} from "./define.ts";
export { evalRecords, preferencePairs, problems, rollouts, scoredRollouts, sftExamples, stepLabels };

export const TABLES = {
  problems,
  sft_examples: sftExamples,
  rollouts,
  scored_rollouts: scoredRollouts,
  preference_pairs: preferencePairs,
  step_labels: stepLabels,
  eval_records: evalRecords,
} as const satisfies Record<string, TableDef>;

export type TableName = keyof typeof TABLES;
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export function tableByName(name: string): TableDef {
  const table = (TABLES as Record<string, TableDef>)[name];
  if (!table) throw new Error(`unknown table "${name}"; valid tables: ${TABLE_NAMES.join(", ")}`);
  return table;
}
