/**
 * One synthesized stack per test file (module-level cache): building it bundles every Lambda with
 * esbuild and runs cdk-nag, which takes seconds, so tests share it. Uses cdk.json's context, so
 * tests see the same feature flags as `cdk synth`, and the real `functions/handlers`.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { buildR1flow } from "../../infra/build.ts";
import type { R1flowStack } from "../../infra/stack.ts";

export const CDK_JSON = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
  app: string;
  context: Record<string, unknown>;
};

export interface Synthesized {
  readonly app: App;
  readonly stack: R1flowStack;
  readonly template: Template;
}

let cached: Synthesized | undefined;

/** A fresh app with cdk.json's context plus `context`. */
export function newApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: { ...CDK_JSON.context, ...context },
    outdir: mkdtempSync(join(tmpdir(), "r1flow-cdk-")),
  });
}

export function synthesized(): Synthesized {
  if (cached) return cached;
  const app = newApp();
  const stack = buildR1flow(app, { handlersDir: process.env.R1FLOW_HANDLERS_DIR });
  cached = { app, stack, template: Template.fromStack(stack) };
  return cached;
}

type Json = unknown;

/** CloudFormation's `Fn::Join` of a definition, with references replaced by readable placeholders. */
export function renderJoin(value: Json): string {
  if (typeof value === "string") return value;
  const v = value as Record<string, Json>;
  if ("Fn::Join" in v) {
    const [sep, parts] = v["Fn::Join"] as [string, Json[]];
    return parts.map(renderJoin).join(sep);
  }
  if ("Fn::GetAtt" in v) return `getatt:${(v["Fn::GetAtt"] as string[]).join(".")}`;
  if ("Ref" in v) return `ref:${String(v.Ref)}`;
  return JSON.stringify(v).replace(/"/g, "'");
}

/** The logical id of the first resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} "${prefix}…", found ${ids.join(", ") || "none"}`);
  return ids[0]!;
}
