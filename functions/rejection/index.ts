/** The rejection-sampling stage: correct, clean, diverse samples of the RL policy become SFT data. */
export {
  DROP_REASONS,
  type DropReason,
  type RejectionCandidate,
  type RejectionSettingsT,
  rejectionCheck,
} from "./checks.ts";
export {
  defaultSource,
  type RejectionOptions,
  type RejectionResult,
  rejectionFilter,
  type SftExampleRow,
} from "./filter.ts";
export { normalizedTextHash, type Ranked, TopK } from "./topk.ts";
