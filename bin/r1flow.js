#!/usr/bin/env node
// The `r1flow` command: runs the TypeScript CLI through tsx, so no build step stands between a
// clone and a working command.
import { register } from "tsx/esm/api";

// The pinned AWS SDK warns that *later* releases will need Node 22; this lock file's release runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
await import("../pipeline/cli/main.ts");
