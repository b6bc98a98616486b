/**
 * One declaration per table: the zod row schema and the Arrow columns side by side.
 * The column map is keyed by the zod shape, so the compiler refuses a table whose
 * Arrow columns and zod fields disagree on names; `test/schemas/tables.test.ts`
 * checks that the types agree too.
 */
import * as arrow from "apache-arrow";
import type { z } from "zod";

/** The Arrow types tables may use; the same strings appear in the generated JSON Schema for Python. */
export const ARROW_TYPE_NAMES = [
  "utf8",
  "dict<utf8>",
  "bool",
  "int8",
  "int32",
  "float32",
  "float64",
  "list<int8>",
  "list<int32>",
  "list<float32>",
  "list<utf8>",
] as const;
export type ArrowTypeName = (typeof ARROW_TYPE_NAMES)[number];

export interface ColumnDef {
  readonly name: string;
  readonly type: ArrowTypeName;
  readonly nullable: boolean;
  readonly doc: string;
}

export interface TableDef<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly doc: string;
  readonly row: S;
  readonly columns: readonly ColumnDef[];
  readonly arrowSchema: arrow.Schema;
}

export type Row<T extends TableDef> = z.infer<T["row"]>;

type ColumnSpec = { type: ArrowTypeName; doc: string; nullable?: boolean };

/** The Arrow type for a type name (list items are nullable, as pyarrow's `pa.list_` makes them). */
export function arrowType(name: ArrowTypeName): arrow.DataType {
  switch (name) {
    case "utf8":
      return new arrow.Utf8();
    case "dict<utf8>":
      return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    case "bool":
      return new arrow.Bool();
    case "int8":
      return new arrow.Int8();
    case "int32":
      return new arrow.Int32();
    case "float32":
      return new arrow.Float32();
    case "float64":
      return new arrow.Float64();
    case "list<int8>":
      return new arrow.List(new arrow.Field("item", new arrow.Int8(), true));
    case "list<int32>":
      return new arrow.List(new arrow.Field("item", new arrow.Int32(), true));
    case "list<float32>":
      return new arrow.List(new arrow.Field("item", new arrow.Float32(), true));
    case "list<utf8>":
      return new arrow.List(new arrow.Field("item", new arrow.Utf8(), true));
  }
}

/** The type name of an Arrow type, or a readable description when it is none of ours. */
export function arrowTypeName(type: arrow.DataType): ArrowTypeName | string {
  if (arrow.DataType.isDictionary(type)) {
    return arrow.DataType.isUtf8(type.dictionary) ? "dict<utf8>" : `dictionary<${type.dictionary}>`;
  }
  if (arrow.DataType.isList(type)) {
    const child = type.children[0]?.type;
    return child ? `list<${arrowTypeName(child)}>` : "list<?>";
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) return "utf8";
  if (arrow.DataType.isBool(type)) return "bool";
  if (arrow.DataType.isInt(type)) return type.isSigned ? `int${type.bitWidth}` : `uint${type.bitWidth}`;
  if (arrow.DataType.isFloat(type)) return ["float16", "float32", "float64"][type.precision] ?? String(type);
  return String(type);
}

export function defineTable<S extends z.ZodObject>(
  name: string,
  doc: string,
  row: S,
  columns: { [K in keyof S["shape"] & string]: ColumnSpec },
): TableDef<S> {
  const defs: ColumnDef[] = Object.keys(row.shape).map((key) => {
    const spec = columns[key as keyof typeof columns];
    return { name: key, type: spec.type, nullable: spec.nullable ?? false, doc: spec.doc };
  });
  const fields = defs.map((c) => new arrow.Field(c.name, arrowType(c.type), c.nullable));
  return { name, doc, row, columns: defs, arrowSchema: new arrow.Schema(fields) };
}
