/** The object store and Arrow I/O layer: every stage reads and writes through here. */

export { basename, joinUri, parseUri } from "../../recipe/uri.ts";
export { checkSchema } from "./arrow-check.ts";
export {
  type ReadOptions,
  readBatches,
  readRows,
  readSchema,
  readShardRows,
  readShards,
} from "./arrow-read.ts";
export { ArrowFileWriter } from "./arrow-sink.ts";
export {
  DEFAULT_BATCH_ROWS,
  ShardedWriter,
  type ShardInfo,
  type ShardOptions,
  shardName,
  type WriteOptions,
  type WriteRow,
  writeTable,
} from "./arrow-write.ts";
export {
  canonicalJson,
  clearStage,
  commitStage,
  isComplete,
  readSuccess,
  SUCCESS,
  stageHash,
} from "./commit.ts";
export { NotFoundError, SchemaMismatchError, StoreError } from "./errors.ts";
export {
  exists,
  list,
  read,
  readJson,
  readStream,
  readText,
  remove,
  removePrefix,
  write,
  writeFromStream,
  writeJson,
} from "./objects.ts";
export { BatchEncoder } from "./record-batch.ts";
export { batchRows } from "./rows.ts";
export { type Bytes, type ObjectSink, type ObjectStore, type RandomReader, storeFor } from "./store.ts";
