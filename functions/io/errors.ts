/** Errors of the object store and the Arrow layer; each message names the object it is about. */

/** The object (or prefix) does not exist. */
export class NotFoundError extends Error {
  constructor(readonly uri: string) {
    super(`object not found: ${uri}`);
    this.name = "NotFoundError";
  }
}

/** A store operation failed for a reason other than absence: permissions, a full disk, the network. */
export class StoreError extends Error {
  constructor(
    readonly uri: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}

/** An Arrow file's schema disagrees with the table it is read as. */
export class SchemaMismatchError extends Error {
  constructor(
    readonly uri: string,
    readonly problems: string[],
  ) {
    super(`${uri}: ${problems.join("; ")}`);
    this.name = "SchemaMismatchError";
  }
}

/** Turns a Node file-system error into one that names the path and says what went wrong. */
export function fsError(
  err: unknown,
  uri: string,
  doing: "reading" | "writing" | "listing" | "deleting",
): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      if (doing !== "writing") return new NotFoundError(uri);
      return new StoreError(uri, `cannot write ${uri}: parent directory missing (ENOENT)`, { cause: err });
    case "ENOSPC":
      return new StoreError(uri, `disk full writing ${uri} (ENOSPC)`, { cause: err });
    case "EDQUOT":
      return new StoreError(uri, `disk quota exceeded writing ${uri} (EDQUOT)`, { cause: err });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new StoreError(
        uri,
        `${doing === "writing" || doing === "deleting" ? "not writable" : "not readable"}: ${uri} (${code})`,
        { cause: err },
      );
    case "EISDIR":
      return new StoreError(uri, `is a directory, not an object: ${uri}`, { cause: err });
    default: {
      const why = err instanceof Error ? err.message : String(err);
      return new StoreError(uri, `error ${doing} ${uri}: ${why}`, { cause: err });
    }
  }
}
