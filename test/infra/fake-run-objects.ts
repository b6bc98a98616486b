/** The run bucket in memory, for the status function's pure parts (no conditional writes). */
import type { RunObjects } from "../../functions/trigger/ports.ts";

export class FakeRunObjects implements RunObjects {
  readonly objects = new Map<string, string>();
  async get(key: string) {
    const text = this.objects.get(key);
    return text === undefined ? null : { text, etag: '"1"' };
  }
  async put(key: string, text: string) {
    this.objects.set(key, text);
  }
}
