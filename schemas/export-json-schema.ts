/** `npm run schemas`: writes schemas/generated/*.json for the Python worker. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonSchemaDocuments, renderDocument } from "./json-schema.ts";
import { manifestDefaultsMarkdown } from "./manifest-doc.ts";

export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), "generated");

mkdirSync(GENERATED_DIR, { recursive: true });
for (const [file, doc] of Object.entries(jsonSchemaDocuments())) {
  writeFileSync(join(GENERATED_DIR, file), renderDocument(doc));
  console.log(`wrote schemas/generated/${file}`);
}

const docs = join(dirname(fileURLToPath(import.meta.url)), "../docs/manifest-defaults.md");
writeFileSync(docs, manifestDefaultsMarkdown());
console.log("wrote docs/manifest-defaults.md");
