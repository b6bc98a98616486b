/**
 * Readers for the shared datasets the verifier is tested on (../shared/data, next to the repo).
 */
import { readFileSync } from "node:fs";

/** Rows of a JSONL file under shared/data, e.g. `readShared("gsm8k/test.jsonl")`. */
export function readShared<T>(rel: string): T[] {
  const url = new URL(`../../../shared/data/${rel}`, import.meta.url);
  return readFileSync(url, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

export interface Gsm8kRow {
  question: string;
  answer: string;
}

export interface Math500Row {
  problem: string;
  solution: string;
  answer: string;
}

/** The GSM8K reference number: after `####`, commas stripped. */
export function gsm8kGold(answer: string): string {
  return (answer.split("####").pop() ?? "").trim().replace(/,/g, "");
}
