"""The worker's I/O layer: the object store (`store`), the Arrow tables (`tables`), stage commits
(`commit`). Everything is checked against the JSON Schema the TypeScript side generates."""

from r1worker.io.errors import NotFoundError, SchemaMismatchError, StoreError

__all__ = ["NotFoundError", "SchemaMismatchError", "StoreError"]
