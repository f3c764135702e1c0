// The proof bundle format, read as strictly as anchor_service/verifier/bundle.py reads it
// (same rules, same field paths and reasons), so the page and `anchor-service verify`
// accept exactly the same documents.
//
//   {"version": 1,
//    "entry": {... the logged document, "salt": "<hex>" included ...},   (null if redacted)
//    "redacted": true,                                                   (optional)
//    "leaf": {"index": 17, "hash": "<64 hex>"},
//    "inclusion": {"tree_size": 50, "root": "<64 hex>", "path": ["<64 hex>", ...]},
//    "statement_hash": "<64 hex>",
//    "anchor": {"chain_id": 1337, "registry": "0x<40 hex>", "seq": 0,
//               "tx_hash": "0x<64 hex>", "block_number": 12},
//    "checkpoint": "<signed note text>",                                 (optional)
//    "redaction_record": {"index": 12, "hash": "<64 hex>"}}              (redacted only)
//
// Integers come back as BigInt, hashes as lower-case hex without 0x (tx_hash too).

import { JsonNumber, JsonSyntaxError, parseJson } from "./json.js";

export const BUNDLE_VERSION = 1;
const UINT64_LIMIT = 2n ** 64n;
const HASH = /^[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_BYTES = /^(?:[0-9a-f]{2})+$/;

/** The bundle is not JSON or breaks the format; `field` is a dotted path or null. */
export class BundleFormatError extends Error {
  constructor(reason, field = null) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = "BundleFormatError";
    this.reason = reason;
    this.field = field;
  }
}

/** Parse bundle text; throws BundleFormatError naming the first field that is wrong. */
export function parseBundle(text) {
  let document;
  try {
    document = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new BundleFormatError(`not valid JSON: ${error.message}`);
    }
    throw error;
  }
  return parseBundleDocument(document);
}

/** The bundle from its parsed JSON (json.js: objects as Maps); throws BundleFormatError. */
export function parseBundleDocument(document) {
  const top = object(document, null, {
    required: ["version", "entry", "leaf", "inclusion", "statement_hash", "anchor"],
    optional: ["redacted", "checkpoint", "redaction_record"],
  });
  const version = top.get("version");
  if (!(version instanceof JsonNumber && version.isInteger && version.toBigInt() === 1n)) {
    throw new BundleFormatError(`unsupported version ${show(version)}, expected 1`, "version");
  }
  const redacted = top.has("redacted") ? top.get("redacted") : false;
  if (redacted !== true && redacted !== false) {
    throw new BundleFormatError("must be true or false", "redacted");
  }
  const entry = top.get("entry");
  if (redacted) {
    if (entry !== null) throw new BundleFormatError("must be null in a redacted bundle", "entry");
  } else if (entry === null) {
    throw new BundleFormatError('is null but the bundle is not marked "redacted": true', "entry");
  } else {
    checkEntry(entry);
  }
  const leaf = object(top.get("leaf"), "leaf", { required: ["index", "hash"] });
  const inclusion = object(top.get("inclusion"), "inclusion", {
    required: ["tree_size", "root", "path"],
  });
  const path = inclusion.get("path");
  if (!Array.isArray(path)) throw new BundleFormatError("must be an array of hashes", "inclusion.path");
  const anchor = object(top.get("anchor"), "anchor", {
    required: ["chain_id", "registry", "seq", "tx_hash", "block_number"],
  });
  const registry = anchor.get("registry");
  if (typeof registry !== "string" || !ADDRESS.test(registry)) {
    throw new BundleFormatError("must be an address: 0x and 40 hex digits", "anchor.registry");
  }
  const checkpoint = top.has("checkpoint") ? top.get("checkpoint") : null;
  if (checkpoint !== null && (typeof checkpoint !== "string" || !checkpoint)) {
    throw new BundleFormatError("must be the signed checkpoint note as text", "checkpoint");
  }
  let redactionRecord = null;
  if (top.has("redaction_record")) {
    if (!redacted) throw new BundleFormatError("only a redacted bundle has one", "redaction_record");
    const record = object(top.get("redaction_record"), "redaction_record", { required: ["index", "hash"] });
    redactionRecord = {
      index: uint(record.get("index"), "redaction_record.index"),
      hash: hash(record.get("hash"), "redaction_record.hash"),
    };
  }
  return {
    checkpoint,
    redactionRecord,
    version: BUNDLE_VERSION,
    entry,
    redacted,
    leafIndex: uint(leaf.get("index"), "leaf.index"),
    leafHash: hash(leaf.get("hash"), "leaf.hash"),
    treeSize: uint(inclusion.get("tree_size"), "inclusion.tree_size", 1n),
    root: hash(inclusion.get("root"), "inclusion.root"),
    path: path.map((node, i) => hash(node, `inclusion.path.${i}`)),
    statementHash: hash(top.get("statement_hash"), "statement_hash"),
    anchor: {
      chainId: uint(anchor.get("chain_id"), "anchor.chain_id", 1n),
      registry,
      seq: uint(anchor.get("seq"), "anchor.seq"),
      txHash: hash(anchor.get("tx_hash"), "anchor.tx_hash", "0x"),
      blockNumber: uint(anchor.get("block_number"), "anchor.block_number"),
    },
  };
}

function object(value, field, { required, optional = [] }) {
  const where = field ? `${field}.` : "";
  if (!(value instanceof Map)) throw new BundleFormatError("must be a JSON object", field);
  for (const key of required) {
    if (!value.has(key)) throw new BundleFormatError("field required", where + key);
  }
  for (const key of value.keys()) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw new BundleFormatError("unknown field", where + key);
    }
  }
  return value;
}

function checkEntry(value) {
  if (!(value instanceof Map)) {
    throw new BundleFormatError("must be a JSON object (the logged document) or null", "entry");
  }
  const salt = value.get("salt");
  if (typeof salt !== "string" || !HEX_BYTES.test(salt)) {
    throw new BundleFormatError("must be the salt as lower-case hex digits", "entry.salt");
  }
}

function uint(value, field, minimum = 0n) {
  if (value instanceof JsonNumber && value.isInteger) {
    const exact = value.toBigInt();
    if (exact >= minimum && exact < UINT64_LIMIT) return exact;
  }
  throw new BundleFormatError(`must be an integer from ${minimum} to 2^64-1`, field);
}

function hash(value, field, prefix = "") {
  if (typeof value === "string" && value.startsWith(prefix)) {
    const digits = value.slice(prefix.length);
    if (HASH.test(digits)) return digits;
  }
  const what = prefix ? `${prefix} and 64` : "64";
  throw new BundleFormatError(`must be ${what} lower-case hex digits`, field);
}

/** The value as Python's repr() shows it, as the Python verifier's messages do. */
function show(value) {
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof Map) return "an object";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `'${value}'`;
  return { true: "True", false: "False", null: "None" }[String(value)];
}
