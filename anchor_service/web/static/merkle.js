// RFC 9162 Merkle hashing and inclusion proofs, with the browser's own SHA-256 (WebCrypto).
//
//   leaf hash = SHA-256(0x00 || leaf bytes)
//   node hash = SHA-256(0x01 || left || right)
// rootFromInclusionProof follows RFC 9162 §2.1.3.2, written as
// anchor_service/merkle/verify.py (and transparency-dev/merkle) write it. Indices and
// sizes are BigInt (bundles allow up to 2^64-1); hashes are Uint8Array.

export const HASH_SIZE = 32;

/** The proof does not fit the index and size; `reason` says how. */
export class ProofError extends Error {
  constructor(reason) {
    super(reason);
    this.name = "ProofError";
    this.reason = reason;
  }
}

/** A well-formed proof that leads to `calculated` instead of `expected` (hex). */
export class RootMismatchError extends Error {
  constructor(expected, calculated) {
    super(`calculated root ${calculated} does not match expected root ${expected}`);
    this.name = "RootMismatchError";
    this.expected = expected;
    this.calculated = calculated;
  }
}

/** WebCrypto is missing: the page is not in a secure context. */
export class NoWebCryptoError extends Error {
  constructor() {
    super(
      "this browser offers no WebCrypto here: open the page over HTTPS or from localhost " +
        "(browsers keep crypto.subtle for secure contexts)",
    );
    this.name = "NoWebCryptoError";
  }
}

function subtle() {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new NoWebCryptoError();
  return api;
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

function prefixed(prefix, ...parts) {
  const total = parts.reduce((n, part) => n + part.length, 1);
  const out = new Uint8Array(total);
  out[0] = prefix;
  let at = 1;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export async function leafHash(leaf) {
  return sha256(prefixed(0x00, leaf));
}

export async function nodeHash(left, right) {
  return sha256(prefixed(0x01, left, right));
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Lower-case or upper-case hex digits (even count) to bytes. */
export function hexToBytes(hex) {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new Error(`not hex bytes: ${hex}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bitLength(n) {
  return n === 0n ? 0 : n.toString(2).length;
}

function bitCount(n) {
  return n.toString(2).replaceAll("0", "").length;
}

/**
 * The root `proof` yields for leaf `index` (hash `leaf`) of a tree of `size` leaves.
 * Requires 0 <= index < size and a proof of exactly the RFC 9162 length; throws ProofError.
 */
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (index < 0n || size < 0n) throw new ProofError("index and size must not be negative");
  if (index >= size) throw new ProofError(`index ${index} is not below tree size ${size}`);
  if (leaf.length !== HASH_SIZE) throw new ProofError(`leaf hash must be ${HASH_SIZE} bytes`);
  proof.forEach((node, i) => {
    if (node.length !== HASH_SIZE) throw new ProofError(`proof[${i}] must be ${HASH_SIZE} bytes`);
  });
  // Bits of index below `inner` are the path inside the tree; above it the path runs
  // along the right border, where every sibling is on the left.
  const inner = bitLength(index ^ (size - 1n));
  const border = bitCount(index >> BigInt(inner));
  if (proof.length !== inner + border) {
    throw new ProofError(`wrong proof size ${proof.length}, want ${inner + border}`);
  }
  let acc = leaf;
  let bits = index;
  for (const sibling of proof.slice(0, inner)) {
    acc = bits & 1n ? await nodeHash(sibling, acc) : await nodeHash(acc, sibling);
    bits >>= 1n;
  }
  for (const sibling of proof.slice(inner)) acc = await nodeHash(sibling, acc);
  return acc;
}

/** Throw ProofError or RootMismatchError unless `proof` leads to `root`. */
export async function checkInclusion(index, size, leaf, proof, root) {
  const calculated = await rootFromInclusionProof(index, size, leaf, proof);
  if (bytesToHex(calculated) !== bytesToHex(root)) {
    throw new RootMismatchError(bytesToHex(root), bytesToHex(calculated));
  }
}
