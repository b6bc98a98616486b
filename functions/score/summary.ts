/** What a score stage reports: reward means, accuracy per level, and GRPO's two silent failures. */
import { REWARD_COMPONENTS, type RewardComponents } from "../rewards/index.ts";
import type { ScoredRolloutRow } from "./score-row.ts";

export interface LevelAccuracy {
  rows: number;
  correct: number;
  accuracy: number;
}

export interface ScoreSummary {
  rows: number;
  groups: number;
  /** Groups all right or all wrong: their accuracy carries no GRPO signal. */
  zeroVarianceGroups: number;
  zeroVarianceShare: number;
  allCorrectGroups: number;
  allWrongGroups: number;
  /** Groups whose total reward is the same for every sample: every advantage is 0. */
  flatRewardGroups: number;
  /** Share of rows verified correct. */
  accuracy: number;
  /** Share of rows cut at the token cap (finish_reason "length"). */
  truncatedShare: number;
  /** Mean of each reward component and of the total, over rows. */
  meanReward: RewardComponents & { total: number };
  /** Accuracy per curriculum level, keyed "1" … "5". */
  levels: Record<string, LevelAccuracy>;
  warnings: string[];
}

const COLUMN: Record<keyof RewardComponents, keyof ScoredRolloutRow> = {
  accuracy: "reward_accuracy",
  format: "reward_format",
  language: "reward_language",
  length: "reward_length",
  repetition: "reward_repetition",
  rewardModel: "reward_model",
  steps: "step_rewards",
};

/** Accumulates a `ScoreSummary` one scored group at a time. */
export class SummaryAccumulator {
  private rows = 0;
  private groups = 0;
  private allCorrect = 0;
  private allWrong = 0;
  private flat = 0;
  private correct = 0;
  private truncated = 0;
  private readonly sums: Record<keyof RewardComponents | "total", number> = {
    accuracy: 0,
    format: 0,
    language: 0,
    length: 0,
    repetition: 0,
    rewardModel: 0,
    steps: 0,
    total: 0,
  };
  private readonly levels = new Map<number, { rows: number; correct: number }>();

  /** `stepComponent[i]` is the steps component that went into row i's total. */
  addGroup(group: readonly ScoredRolloutRow[], stepComponent: readonly number[]): void {
    if (group.length === 0) return;
    this.groups++;
    let nCorrect = 0;
    const first = group[0]?.reward_total;
    let flat = true;
    group.forEach((row, i) => {
      this.rows++;
      if (row.correct) nCorrect++;
      if (row.finish_reason === "length") this.truncated++;
      if (row.reward_total !== first) flat = false;
      for (const key of REWARD_COMPONENTS) {
        this.sums[key] += key === "steps" ? (stepComponent[i] ?? 0) : (row[COLUMN[key]] as number);
      }
      this.sums.total += row.reward_total;
      const level = this.levels.get(row.level) ?? { rows: 0, correct: 0 };
      level.rows++;
      if (row.correct) level.correct++;
      this.levels.set(row.level, level);
    });
    this.correct += nCorrect;
    if (nCorrect === group.length) this.allCorrect++;
    if (nCorrect === 0) this.allWrong++;
    if (flat) this.flat++;
  }

  summary(): ScoreSummary {
    const per = (x: number) => (this.rows === 0 ? 0 : x / this.rows);
    const zero = this.allCorrect + this.allWrong;
    const zeroShare = this.groups === 0 ? 0 : zero / this.groups;
    const truncatedShare = per(this.truncated);
    const warnings: string[] = [];
    if (truncatedShare > 0.5) {
      warnings.push(
        `WARNING: ${(truncatedShare * 100).toFixed(1)}% of completions were truncated at the token cap ` +
          "(finish_reason length): they rarely reach a final answer, so accuracy and format rewards stay 0; " +
          "raise maxNewTokens or shorten the reasoning",
      );
    }
    if (zeroShare > 0.5) {
      warnings.push(
        `WARNING: ${(zeroShare * 100).toFixed(1)}% of groups are all right or all wrong ` +
          `(${this.allCorrect} all right, ${this.allWrong} all wrong): their advantages are 0 and GRPO ` +
          "learns nothing from them; move the curriculum level or drop those prompts",
      );
    }
    const levels: Record<string, LevelAccuracy> = {};
    for (const [level, c] of [...this.levels].sort((a, b) => a[0] - b[0])) {
      levels[String(level)] = { rows: c.rows, correct: c.correct, accuracy: c.correct / c.rows };
    }
    return {
      rows: this.rows,
      groups: this.groups,
      zeroVarianceGroups: zero,
      zeroVarianceShare: zeroShare,
      allCorrectGroups: this.allCorrect,
      allWrongGroups: this.allWrong,
      flatRewardGroups: this.flat,
      accuracy: per(this.correct),
      truncatedShare,
      meanReward: {
        accuracy: per(this.sums.accuracy),
        format: per(this.sums.format),
        language: per(this.sums.language),
        length: per(this.sums.length),
        repetition: per(this.sums.repetition),
        rewardModel: per(this.sums.rewardModel),
        steps: per(this.sums.steps),
        total: per(this.sums.total),
      },
      levels,
      warnings,
    };
  }
}
