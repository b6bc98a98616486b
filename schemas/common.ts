/** Small enums shared by the manifest and the tables. */
import { z } from "zod";

export const ANSWER_TYPES = ["numeric", "math", "choice", "label"] as const;
export const AnswerType = z.enum(ANSWER_TYPES);
export type AnswerType = z.infer<typeof AnswerType>;

/** Where a problem came from; `jsonl` and `arrow` are the documented generic formats. */
export const DATASET_SOURCES = [
  "gsm8k",
  "math",
  "logiqa",
  "proofwriter",
  "jsonl",
  "arrow",
  "arithmetic",
] as const;
export const DatasetSource = z.enum(DATASET_SOURCES);
export type DatasetSource = z.infer<typeof DatasetSource>;

/** `stop`: an end token or stop sequence; `length`: the token cap (truncated). */
export const FinishReason = z.enum(["stop", "length"]);

/** The hardest curriculum level (levels run 1 … MAX_LEVEL); the one place that bounds them. */
export const MAX_LEVEL = 5;

/** A level of the curriculum: 1 (easiest) to MAX_LEVEL. */
export const Level = z.number().int().min(1).max(MAX_LEVEL);

/** `s3://bucket/key`, `file:///abs/path` or a plain path. */
export const Uri = z.string().min(1, "expected a URI (s3://bucket/key, file:// or a path)");

/** Run ids become S3 key segments and directory names. */
export const RunId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "expected lowercase letters, digits and '-', at most 63 characters");
