// Signed checkpoints checked against the auditor's policy, in the browser, as
// anchor_service/tlog (note.py, checkpoint.py, trust.py) checks them: the same notes
// accepted, the same errors in the same words. Ed25519 is the browser's (WebCrypto).
//
//   note        text, a blank line, signature lines "— <name> base64(key ID || signature)"
//   checkpoint  origin, tree size, base64 root, optional extension lines
//   policy      a log of the policy signed it with the origin as key name; the witnesses
//               whose cosignatures ("cosignature/v1\ntime <t>\n" + body) verified meet
//               the quorum (a witness, a group of k members, or none)

import { bytesToHex, sha256 } from "./merkle.js";
import { QUORUM_NONE, pyRepr } from "./policy.js";

const ED25519 = 0x01;
const COSIGNATURE_V1 = 0x04;
const MAX_SIGNATURES = 100;
const PREFIX = new TextEncoder().encode("— ");
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WHITE_SPACE = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** The checkpoint does not verify under the policy; `message` is the Python error's text. */
export class CheckpointError extends Error {
  constructor(message) {
    super(message);
    this.name = "CheckpointError";
  }
}

function malformedNote() {
  return new CheckpointError("malformed note");
}

function decodeBase64(text) {
  if (!BASE64.test(text)) return null;
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function isValidName(name) {
  return name !== "" && !name.includes("+") && !WHITE_SPACE.test(name) && !LONE_SURROGATE.test(name);
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function keyHex(name, keyId) {
  return `${name}+${keyId.toString(16).padStart(8, "0")}`;
}

async function keyId(name, type, publicKey) {
  const digest = await sha256(concat(new TextEncoder().encode(name), Uint8Array.of(0x0a, type), publicKey));
  return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
}

async function ed25519Verify(publicKey, message, signature) {
  if (signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch (error) {
    if (error instanceof DOMException && error.name === "NotSupportedError") {
      throw new CheckpointError("this browser cannot verify Ed25519 signatures (WebCrypto)");
    }
    return false; // bytes that are no curve point fail every verify, as in Go
  }
}

/** A verifier for a policy log (type 0x01) or witness (type 0x04, cosignature/v1). */
async function verifier(name, publicKey, type) {
  const id = await keyId(name, type, publicKey);
  return {
    name,
    keyId: id,
    async verify(message, signature) {
      if (type === ED25519) return ed25519Verify(publicKey, message, signature);
      if (signature.length !== 72) return false;
      const timestamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
      if (timestamp >= 1n << 63n) return false;
      try {
        parseCheckpoint(new TextDecoder("utf-8", { fatal: true }).decode(message));
      } catch {
        return false;
      }
      const signed = concat(new TextEncoder().encode(`cosignature/v1\ntime ${timestamp}\n`), message);
      return ed25519Verify(publicKey, signed, signature.slice(8));
    },
  };
}

function indexOfLast(bytes, pattern) {
  for (let i = bytes.length - pattern.length; i >= 0; i--) {
    if (pattern.every((value, j) => bytes[i + j] === value)) return i;
  }
  return -1;
}

function startsWith(bytes, prefix) {
  return bytes.length >= prefix.length && prefix.every((value, i) => bytes[i] === value);
}

/** note.py open_note: the text and the verified signatures ({name, keyId, raw}). */
async function openNote(message, known) {
  let decoded;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(message);
  } catch {
    throw malformedNote();
  }
  if ([...decoded].some((char) => char < " " && char !== "\n")) throw malformedNote();
  const split = indexOfLast(message, [0x0a, 0x0a]);
  if (split < 0) throw malformedNote();
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (!block.length || block[block.length - 1] !== 0x0a) throw malformedNote();
  const verified = [];
  const seen = new Set();
  const lines = [];
  let start = 0;
  for (let i = 0; i < block.length - 1; i++) {
    if (block[i] === 0x0a) {
      lines.push(block.slice(start, i));
      start = i + 1;
    }
  }
  lines.push(block.slice(start, block.length - 1));
  for (let count = 1; count <= lines.length; count++) {
    const line = lines[count - 1];
    if (!startsWith(line, PREFIX)) throw malformedNote();
    const body = new TextDecoder().decode(line.slice(PREFIX.length));
    const space = body.indexOf(" ");
    const name = space < 0 ? body : body.slice(0, space);
    const raw = (space < 0 ? null : decodeBase64(body.slice(space + 1))) ?? new Uint8Array();
    if (!isValidName(name) || raw.length < 5) throw malformedNote();
    if (count > MAX_SIGNATURES) throw malformedNote();
    const id = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
    const matches = known.filter((key) => key.name === name && key.keyId === id);
    if (!matches.length) continue; // unknown keys are kept unverified: ignored here
    if (matches.length > 1) throw new CheckpointError(`ambiguous key ${keyHex(name, id)}`);
    const key = `${name}\n${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(await matches[0].verify(text, raw.slice(4)))) {
      throw new CheckpointError(`invalid signature for key ${keyHex(name, id)}`);
    }
    verified.push({ name, keyId: id, raw });
  }
  return { text: new TextDecoder().decode(text), sigs: verified };
}

/** checkpoint.py parse_checkpoint: {origin, size (BigInt), root (hex)}. */
export function parseCheckpoint(text) {
  if (!text.endsWith("\n")) throw new CheckpointError("the checkpoint must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new CheckpointError(`a checkpoint has at least 3 lines, got ${lines.length}`);
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!DECIMAL.test(sizeText)) {
    throw new CheckpointError(`line 2, tree size: ${pyRepr(sizeText)} is not a decimal with no leading zeroes`);
  }
  const size = BigInt(sizeText);
  if (size >= 1n << 64n) throw new CheckpointError(`line 2, tree size: ${sizeText} does not fit in 64 bits`);
  const root = decodeBase64(rootText);
  if (root === null) throw new CheckpointError("line 3, root hash: not standard padded base64");
  for (const [label, line] of [["origin", origin], ...extensions.map((e) => ["extension", e])]) {
    if (!line || [...line].some((char) => char < " ")) {
      throw new CheckpointError(`${label} line must be non-empty text: ${pyRepr(line)}`);
    }
  }
  if (root.length !== 32) throw new CheckpointError("root hash must be 32 bytes");
  return { origin, size, root: bytesToHex(root) };
}

function quorumMet(policy, cosigners) {
  if (policy.quorum === QUORUM_NONE) return true;
  const witnesses = new Set(policy.witnesses.map((w) => w.name));
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const satisfied = (name, visiting) => {
    if (witnesses.has(name)) return cosigners.has(name);
    const group = groups.get(name);
    if (!group || visiting.has(name)) return false;
    const inner = new Set([...visiting, name]);
    return group.members.filter((member) => satisfied(member, inner)).length >= group.threshold;
  };
  return satisfied(policy.quorum, new Set());
}

/**
 * trust.py verify_checkpoint: the signed checkpoint `noteText` against `policy` (from
 * policy.js); returns {checkpoint, log, cosigners} or throws CheckpointError.
 */
export async function verifyCheckpoint(policy, noteText) {
  if (!policy.logs.length) throw new CheckpointError("the policy defines no logs");
  const logs = await Promise.all(policy.logs.map((log) => verifier(log.name, log.publicKey, ED25519)));
  const witnesses = await Promise.all(
    policy.witnesses.map(async (w) => ({ policyName: w.name, key: await verifier(w.keyName, w.publicKey, COSIGNATURE_V1) })),
  );
  const opened = await openNote(new TextEncoder().encode(noteText), [...logs, ...witnesses.map((w) => w.key)]);
  const signed = new Map(opened.sigs.map((sig) => [`${sig.name}\n${sig.keyId}`, sig]));
  const logNames = logs.filter((log) => signed.has(`${log.name}\n${log.keyId}`)).map((log) => log.name);
  if (!logNames.length) throw new CheckpointError("the checkpoint is not signed by any log in the policy");
  const checkpoint = parseCheckpoint(opened.text);
  if (!logNames.includes(checkpoint.origin)) {
    throw new CheckpointError(
      `checkpoint origin ${pyRepr(checkpoint.origin)} is not the name of a log that signed it ` +
        `(${logNames.join(", ")})`,
    );
  }
  const cosigners = new Set(
    witnesses.filter((w) => signed.has(`${w.key.name}\n${w.key.keyId}`)).map((w) => w.policyName),
  );
  if (!quorumMet(policy, cosigners)) {
    const names = [...cosigners].sort().join(", ") || "no policy witness";
    throw new CheckpointError(
      `the checkpoint does not satisfy quorum ${pyRepr(policy.quorum)} (cosigned by ${names})`,
    );
  }
  return { checkpoint, log: checkpoint.origin, cosigners: [...cosigners].sort() };
}
