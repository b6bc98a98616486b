/** The kinds of reference answer the verifier knows how to compare. */
export type AnswerType = "numeric" | "math" | "choice" | "label";

/** Outcome of one verification: `rule` names the extraction rule that fired (or "timeout"). */
export interface VerifyResult {
  equivalent: boolean;
  extracted: string | null;
  rule: string;
  reason?: string;
}

/** Options shared by `verify` and `equivalent`. */
export interface VerifyOptions {
  answerType?: AnswerType;
  /** Option texts of a multiple-choice problem, e.g. `["A) True", "B) False", "C) Unknown"]`. */
  choices?: string[];
  /** Wall-clock budget for one comparison (default 50 ms); past it the answer is "timeout". */
  timeBudgetMs?: number;
  /** Extract the final answer from `pred` first (default true). */
  extract?: boolean;
}
