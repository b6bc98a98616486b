export * from "./common.ts";
export * from "./errors.ts";
export * from "./manifest.ts";
export * from "./settings/lambda-stages.ts";
export * from "./settings/worker-stages.ts";
export * from "./stage-spec.ts";
export * from "./tables/index.ts";
