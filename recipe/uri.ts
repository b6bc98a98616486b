/**
 * Object URIs: `s3://bucket/key`, `file:///abs/path`, or a plain path (relative to the cwd).
 * Parsing is pure; the stores use the parsed form.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type ParsedUri =
  | { readonly scheme: "s3"; readonly bucket: string; readonly key: string }
  | { readonly scheme: "file"; readonly path: string; readonly style: "url" | "path" };

export function parseUri(uri: string): ParsedUri {
  if (uri.startsWith("s3://")) {
    const rest = uri.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (!bucket) throw new Error(`invalid S3 URI "${uri}": expected s3://bucket/key`);
    return { scheme: "s3", bucket, key: slash < 0 ? "" : rest.slice(slash + 1) };
  }
  if (uri.startsWith("file://")) return { scheme: "file", path: fileURLToPath(uri), style: "url" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new Error(`unsupported URI scheme in "${uri}": expected s3://, file:// or a path`);
  }
  if (!uri) throw new Error("empty URI: expected s3://bucket/key, file:// or a path");
  return { scheme: "file", path: isAbsolute(uri) ? uri : resolve(uri), style: "path" };
}

/** The URI for a parsed location, in the same style it was written in (file URL or plain path). */
export function formatUri(parsed: ParsedUri): string {
  if (parsed.scheme === "s3") return `s3://${parsed.bucket}/${parsed.key}`;
  return parsed.style === "url" ? pathToFileURL(parsed.path).href : parsed.path;
}

/**
 * The URI with a plain path made absolute (against the cwd); `s3://` and `file://` stay as written.
 * The CLI applies it to every location a user types, so nothing downstream sees a relative path.
 */
export function absoluteUri(uri: string): string {
  return formatUri(parseUri(uri));
}

/**
 * Appends path segments, one rule for every scheme: the base's trailing `/` and each segment's
 * leading and trailing `/` are dropped, empty segments are skipped, and the pieces are joined by one
 * `/`. Nothing else is rewritten (no `.` or `..` resolution), so a URI keeps the form it was written
 * in, and a base of `/` stays the root.
 * `joinUri("s3://b/runs/", "x", "part-00000.arrow")` → `s3://b/runs/x/part-00000.arrow`.
 */
export function joinUri(base: string, ...parts: string[]): string {
  const tail = parts.map((p) => p.replace(/^\/+|\/+$/g, "")).filter((p) => p !== "");
  const head = base.replace(/\/+$/, "");
  if (head === "" && base.startsWith("/")) return `/${tail.join("/")}`;
  return [head, ...tail].filter((p) => p !== "").join("/");
}

/** The last path segment: `basename("s3://b/x/part-00001.arrow")` → `part-00001.arrow`. */
export function basename(uri: string): string {
  const trimmed = uri.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
