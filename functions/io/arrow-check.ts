/** Compares an Arrow file's schema with the table it is read as, naming the object and the column. */
import type * as arrow from "apache-arrow";
import { arrowTypeName, type TableDef } from "../../schemas/tables/define.ts";
import { SchemaMismatchError } from "./errors.ts";

/**
 * Throws `SchemaMismatchError` listing every missing column, extra column, wrong type, and
 * nullable column where the table forbids null. Types compare by `arrowTypeName`, so dictionary
 * index width and the list item's field name and nullability do not matter; column order does not either.
 */
export function checkSchema(actual: arrow.Schema, def: TableDef, uri: string): void {
  const problems: string[] = [];
  const found = new Map(actual.fields.map((f) => [f.name, f]));
  for (const col of def.columns) {
    const field = found.get(col.name);
    if (!field) {
      problems.push(`column "${col.name}": expected ${col.type}, found no such column`);
      continue;
    }
    const type = arrowTypeName(field.type);
    if (type !== col.type) problems.push(`column "${col.name}": expected ${col.type}, found ${type}`);
    else if (field.nullable && !col.nullable) {
      problems.push(`column "${col.name}": expected ${col.type} not null, found nullable ${type}`);
    }
  }
  const known = new Set(def.columns.map((c) => c.name));
  for (const field of actual.fields) {
    if (!known.has(field.name)) {
      problems.push(
        `column "${field.name}": expected no such column in table ${def.name}, found ${arrowTypeName(field.type)}`,
      );
    }
  }
  if (problems.length > 0) throw new SchemaMismatchError(uri, problems);
}
