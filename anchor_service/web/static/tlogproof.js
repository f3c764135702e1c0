// tlog-proof documents (c2sp.org/tlog-proof@v1), read and checked as
// anchor_service/verifier/tlog_proof.py reads and checks them (same rules, names, reasons):
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 of the JCS JSON: the entry's proof bundle, or before its anchor
//          {"version": 1, "entry": {...}, "leaf": {"index": i, "hash": "<hex>"}}>
//   index <decimal>
//   <base64 inclusion proof hash, leaf to root>...
//   <empty line>
//   <the signed checkpoint note, verbatim>
//
// `extra` is not authenticated: every value in it is checked. Checks a tlog-proof adds,
// run first:
//   tlog-proof extra      the extra line reads as above, for the same index as the proof
//   tlog-proof inclusion  the C2SP inclusion proof leads from the leaf hash at `index` to
//                         the checkpoint's root
//   log signature         with a policy holding log keys: the checkpoint is signed by a
//                         log of the policy (its origin) and cosigned by its quorum
// then the bundle's own checks (checks.js, trust.js), the tlog-proof's checkpoint standing
// in for the bundle's when the bundle has none and is of the same tree size. Before the
// anchor only the leaf hash is checked besides; the rest are skipped ("not anchored yet").

import { BundleFormatError, parseBundleDocument } from "./bundle.js";
import { CheckpointError, parseCheckpoint, verifyCheckpoint } from "./checkpoint.js";
import { CHAIN_CHECKS, FAILED, LEAF_HASH, PASSED, SKIPPED, result } from "./checks.js";
import { CanonicalizationError, canonicalBytes } from "./jcs.js";
import { JsonSyntaxError, parseJson } from "./json.js";
import {
  ProofError,
  RootMismatchError,
  bytesToHex,
  checkInclusion,
  hexToBytes,
  leafHash,
} from "./merkle.js";
import { TRUST_CHECKS } from "./trust.js";

export const PROOF_HEADER = "c2sp.org/tlog-proof@v1";
export const TLOG_EXTRA = "tlog-proof extra";
export const TLOG_INCLUSION = "tlog-proof inclusion";
export const LOG_SIGNATURE = "log signature";
export const TLOG_CHECKS = [TLOG_EXTRA, TLOG_INCLUSION, LOG_SIGNATURE];

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const HASH_SIZE = 32;
const WHERE = "browser";
const PENDING_FIELDS = ["version", "entry", "leaf", "redacted"];
const ZERO = "00".repeat(32);
// The pending form, completed with placeholder head fields so the bundle reader checks it
// (tlog_proof.py _as_bundle).
const PLACEHOLDERS =
  `{"inclusion": {"tree_size": 1, "root": "${ZERO}", "path": []}, "statement_hash": "${ZERO}", ` +
  `"anchor": {"chain_id": 1, "registry": "0x${"00".repeat(20)}", "seq": 0, ` +
  `"tx_hash": "0x${ZERO}", "block_number": 0}}`;

/** Whether `text` starts with the tlog-proof header line (the format sniffing). */
export function isTlogProof(text) {
  return text.startsWith(`${PROOF_HEADER}\n`);
}

function malformed(reason) {
  return new BundleFormatError(`not a valid tlog-proof: ${reason}`);
}

/** Standard padded base64, canonical (unused bits zero), as tlog's decode_base64. */
function decodeBase64(text) {
  if (!BASE64.test(text)) throw new Error("not standard padded base64");
  const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  if (btoa(String.fromCharCode(...bytes)) !== text) {
    throw new Error("non-canonical base64: unused bits are set");
  }
  return bytes;
}

function field(text, number, what) {
  try {
    return decodeBase64(text);
  } catch (error) {
    throw malformed(`line ${number}, ${what}: ${error.message}`);
  }
}

function indexOf(bytes, pattern, from = 0) {
  outer: for (let i = from; i + pattern.length <= bytes.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

function lastIndexOf(bytes, pattern) {
  outer: for (let i = bytes.length - pattern.length; i >= 0; i--) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

/** proof.py parse_proof: {index (BigInt), hashes (hex), checkpoint (bytes), extra (bytes|null)}. */
function parseProof(data) {
  const blank = Uint8Array.of(0x0a, 0x0a);
  const at = indexOf(data, blank);
  if (at < 0) throw malformed("no empty line before the checkpoint");
  const head = data.slice(0, at);
  const checkpoint = data.slice(at + 2);
  if (head.some((byte) => byte > 0x7f)) throw malformed("the lines before the checkpoint are not ASCII");
  const lines = new TextDecoder().decode(head).split("\n");
  if (lines[0] !== PROOF_HEADER) throw malformed(`line 1 is not '${PROOF_HEADER}'`);
  let number = 2;
  let extra = null;
  if (lines.length > 1 && lines[1].startsWith("extra ")) {
    extra = field(lines[1].slice("extra ".length), number, "extra data");
    number += 1;
  }
  if (lines.length < number || !lines[number - 1].startsWith("index ")) {
    throw malformed(`line ${number} is not 'index <decimal>'`);
  }
  const indexText = lines[number - 1].slice("index ".length);
  if (!DECIMAL.test(indexText)) {
    throw malformed(`line ${number}, index: '${indexText}' is not a decimal with no leading zeroes`);
  }
  const index = BigInt(indexText);
  if (index >= 1n << 64n) throw malformed(`line ${number}, index: ${indexText} does not fit in 64 bits`);
  const hashes = lines.slice(number).map((line, i) => {
    const item = field(line, number + i + 1, "proof hash");
    if (item.length !== HASH_SIZE) throw malformed(`line ${number + i + 1}: a proof hash is ${HASH_SIZE} bytes`);
    return bytesToHex(item);
  });
  if (checkpoint.length === 0 || checkpoint[checkpoint.length - 1] !== 0x0a) {
    throw malformed("the checkpoint must end with a newline");
  }
  return { index, hashes, checkpoint, extra };
}

/** The text of a signed note (before its last blank line), unverified. */
function noteText(note) {
  const at = lastIndexOf(note, Uint8Array.of(0x0a, 0x0a));
  if (at < 0) throw new BundleFormatError("the checkpoint is not a signed note");
  try {
    return `${new TextDecoder("utf-8", { fatal: true }).decode(note.slice(0, at))}\n`;
  } catch {
    throw new BundleFormatError("the checkpoint is not UTF-8");
  }
}

/**
 * Read a tlog-proof with this service's extra line; throws BundleFormatError.
 * Returns {index, hashes, note (text), checkpoint {origin, size, root}, entry, leafHash,
 * redacted, bundle (the anchored bundle, or null before the anchor)}.
 */
export function readTlogProof(text) {
  const proof = parseProof(new TextEncoder().encode(text));
  let checkpoint;
  try {
    checkpoint = parseCheckpoint(noteText(proof.checkpoint));
  } catch (error) {
    if (error instanceof CheckpointError) throw malformed(error.message);
    throw error;
  }
  if (proof.extra === null) {
    throw new BundleFormatError("the tlog-proof has no extra line: the entry document is missing", "extra");
  }
  let document;
  try {
    document = parseJson(new TextDecoder("utf-8", { fatal: true }).decode(proof.extra));
  } catch (error) {
    if (error instanceof JsonSyntaxError || error instanceof TypeError) {
      throw new BundleFormatError(`the extra line is not JSON: ${error.message}`, "extra");
    }
    throw error;
  }
  if (!(document instanceof Map)) throw new BundleFormatError("the extra line must hold a JSON object", "extra");
  const read = {
    index: proof.index,
    hashes: proof.hashes,
    note: new TextDecoder().decode(proof.checkpoint),
    checkpoint,
    extraBytes: proof.extra,
  };
  if (document.has("anchor")) {
    const bundle = parseBundleDocument(document);
    return { ...read, entry: bundle.entry, leafHash: bundle.leafHash, redacted: bundle.redacted, bundle };
  }
  const unknown = [...document.keys()].filter((key) => !PENDING_FIELDS.includes(key)).sort();
  if (unknown.length) throw new BundleFormatError("unknown field", `extra.${unknown[0]}`);
  for (const [key, value] of parseJson(PLACEHOLDERS)) document.set(key, value);
  const pending = parseBundleDocument(document);
  return { ...read, entry: pending.entry, leafHash: pending.leafHash, redacted: pending.redacted, bundle: null };
}

function extraCheck(read) {
  const index = read.bundle?.leafIndex ?? null;
  if (index !== null && index !== read.index) {
    return result(
      TLOG_EXTRA,
      FAILED,
      `the extra bundle is for leaf ${index}, the proof for index ${read.index}`,
      WHERE,
    );
  }
  const what = read.bundle !== null ? "anchored proof bundle" : "entry, not anchored yet";
  return result(TLOG_EXTRA, PASSED, `${what}, for index ${read.index}`, WHERE);
}

async function inclusionCheck(read) {
  const { size, root, origin } = read.checkpoint;
  try {
    await checkInclusion(read.index, size, hexToBytes(read.leafHash), read.hashes.map(hexToBytes), hexToBytes(root));
  } catch (error) {
    if (error instanceof RootMismatchError) {
      return result(
        TLOG_INCLUSION,
        FAILED,
        `root mismatch: the proof leads to ${error.calculated}, not the checkpoint root ${root}`,
        WHERE,
      );
    }
    if (error instanceof ProofError) {
      return result(TLOG_INCLUSION, FAILED, `the proof does not fit: ${error.reason}`, WHERE);
    }
    throw error;
  }
  return result(
    TLOG_INCLUSION,
    PASSED,
    `leaf ${read.index} is in the checkpoint of ${origin} at tree size ${size}`,
    WHERE,
  );
}

async function signatureCheck(read, trustRoot) {
  if (!trustRoot?.policy?.logs.length) {
    return result(LOG_SIGNATURE, SKIPPED, "no log key in the trust root: signature not checked", WHERE);
  }
  let verified;
  try {
    verified = await verifyCheckpoint(trustRoot.policy, read.note);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    return result(LOG_SIGNATURE, FAILED, `the checkpoint: ${error.message}`, WHERE);
  }
  const witnesses = verified.cosigners.join(", ") || "no witness";
  return result(LOG_SIGNATURE, PASSED, `signed by the policy's log ${verified.log}, cosigned by ${witnesses}`, WHERE);
}

/** The three tlog-proof checks, in the order tlog_proof.py runs them. */
export async function tlogChecks(read, trustRoot) {
  return [extraCheck(read), await inclusionCheck(read), await signatureCheck(read, trustRoot)];
}

/** The anchored bundle, with the proof's checkpoint when it has none of its own and is of that size. */
export function bundleWithCheckpoint(read) {
  const bundle = read.bundle;
  if (bundle.checkpoint === null && bundle.treeSize === read.checkpoint.size) {
    return { ...bundle, checkpoint: read.note };
  }
  return bundle;
}

/** The leaf hash check of a proof not anchored yet (tlog_proof.py _check_pending_leaf). */
export async function pendingLeafCheck(read) {
  if (read.entry === null) {
    return result(LEAF_HASH, SKIPPED, "redacted: document erased, leaf hash as given", WHERE);
  }
  let calculated;
  try {
    calculated = bytesToHex(await leafHash(canonicalBytes(read.entry)));
  } catch (error) {
    if (!(error instanceof CanonicalizationError)) throw error;
    return result(LEAF_HASH, FAILED, `the entry cannot be serialised: ${error.message}`, WHERE);
  }
  if (calculated !== read.leafHash) {
    return result(LEAF_HASH, FAILED, `SHA-256(0x00 || JCS(entry)) is ${calculated}, not ${read.leafHash}`, WHERE);
  }
  return result(LEAF_HASH, PASSED, "SHA-256(0x00 || JCS(entry)) = leaf.hash", WHERE);
}

/** The checks skipped before the anchor. */
export function notAnchoredChecks() {
  return [...TRUST_CHECKS, ...CHAIN_CHECKS].map((name) =>
    result(name, SKIPPED, "not anchored yet: the proof holds no anchor", "-"),
  );
}
