// Every check of a proof bundle, with the names, order and reasons of
// anchor_service/verifier/checks.py, so the page and `anchor-service verify` read the same.
//
// In the browser, trusting no server:
//   1. bundle format   the bundle follows the format (bundle.js)
//   2. leaf hash       SHA-256(0x00 || JCS(entry)) equals leaf.hash (skipped if redacted)
//   3. inclusion       the path leads from leaf.hash at leaf.index to inclusion.root
// On chain, read through a chain view (rpc.js: the auditor's node; or the API's report):
//   4. chain id        the node serves the chain the bundle names (if not, 5-8 are skipped)
//   5. registry holds root at tree_size   rootAt(tree_size) = inclusion.root
//   6. anchor record   anchorAt(seq) stores the same tree size, root, statement hash, block
//   7. anchor transaction  mined, succeeded, sent to the registry, HeadAnchored event
//                      matching the bundle, in block_number, on the canonical chain
//   8. confirmations   blocks from that block to the head, inclusive, >= the minimum
// Outcomes: passed, failed, skipped, error (could not be run: chain unreachable, or a
// node of another chain). trust.js adds "signed checkpoint" and "pinned registry" (after
// 3, as the Python verifier orders them); nodes.js runs 4-8 on several nodes and adds
// "node agreement".

import { canonicalBytes, CanonicalizationError } from "./jcs.js";
import { checkInclusion, hexToBytes, leafHash, bytesToHex, ProofError, RootMismatchError } from "./merkle.js";

export const BUNDLE_FORMAT = "bundle format";
export const LEAF_HASH = "leaf hash";
export const INCLUSION = "inclusion";
export const CHAIN_ID = "chain id";
export const REGISTRY_ROOT = "registry holds root at tree_size";
export const ANCHOR_RECORD = "anchor record";
export const ANCHOR_TRANSACTION = "anchor transaction";
export const CONFIRMATIONS = "confirmations";
export const MERKLE_CHECKS = [BUNDLE_FORMAT, LEAF_HASH, INCLUSION];
export const CHAIN_CHECKS = [CHAIN_ID, REGISTRY_ROOT, ANCHOR_RECORD, ANCHOR_TRANSACTION, CONFIRMATIONS];

export const PASSED = "passed";
export const FAILED = "failed";
export const SKIPPED = "skipped";
export const ERROR = "error";

/** A chain read failed; `unreachable` when the node (or API) could not be reached. */
export class ChainReadError extends Error {
  constructor(reason, { unreachable = false } = {}) {
    super(reason);
    this.name = "ChainReadError";
    this.reason = reason;
    this.unreachable = unreachable;
  }
}

export function result(name, outcome, reason, source) {
  return { name, outcome, reason, source, ok: outcome === PASSED };
}

/** Checks 1-3, computed here. */
export async function merkleChecks(bundle) {
  const where = "browser";
  const document = bundle.redacted ? "redacted (entry erased)" : "entry with salt";
  const checks = [
    result(
      BUNDLE_FORMAT,
      PASSED,
      `version ${bundle.version}, ${document}, leaf ${bundle.leafIndex} of tree size ` +
        `${bundle.treeSize}, ${pathHashes(bundle)}, anchor ${bundle.anchor.seq} ` +
        `on chain ${bundle.anchor.chainId}`,
      where,
    ),
  ];
  checks.push(await leafHashCheck(bundle, where));
  checks.push(await inclusionCheck(bundle, where));
  return checks;
}

async function leafHashCheck(bundle, where) {
  if (bundle.entry === null) {
    return result(LEAF_HASH, SKIPPED, "redacted: document erased, leaf hash taken as given", where);
  }
  let leaf;
  try {
    leaf = canonicalBytes(bundle.entry);
  } catch (error) {
    if (!(error instanceof CanonicalizationError)) throw error;
    const reason = `the entry cannot be serialised with RFC 8785 (JCS): ${error.message}`;
    return result(LEAF_HASH, FAILED, reason, where);
  }
  const calculated = bytesToHex(await leafHash(leaf));
  if (calculated !== bundle.leafHash) {
    return result(
      LEAF_HASH,
      FAILED,
      `SHA-256(0x00 || JCS(entry)) is ${calculated}, not leaf.hash ${bundle.leafHash}: ` +
        "the document or its salt is not the one logged",
      where,
    );
  }
  return result(LEAF_HASH, PASSED, `SHA-256(0x00 || JCS(entry)) over ${leaf.length} bytes = leaf.hash`, where);
}

async function inclusionCheck(bundle, where) {
  try {
    await checkInclusion(
      bundle.leafIndex,
      bundle.treeSize,
      hexToBytes(bundle.leafHash),
      bundle.path.map(hexToBytes),
      hexToBytes(bundle.root),
    );
  } catch (error) {
    if (error instanceof RootMismatchError) {
      const reason =
        `root mismatch: the path leads to ${error.calculated}, not inclusion.root ${error.expected}`;
      return result(INCLUSION, FAILED, reason, where);
    }
    if (error instanceof ProofError) {
      return result(INCLUSION, FAILED, `the path does not fit: ${error.reason}`, where);
    }
    throw error;
  }
  return result(
    INCLUSION,
    PASSED,
    `${pathHashes(bundle)} lead${bundle.path.length === 1 ? "s" : ""} from leaf ${bundle.leafIndex} to inclusion.root ` +
      `at tree size ${bundle.treeSize}`,
    where,
  );
}

/** Checks 4-8 with every chain check skipped for `reason` (Merkle only, or not run). */
export function skippedChainChecks(reason, source = "-") {
  return CHAIN_CHECKS.map((name) => result(name, SKIPPED, reason, source));
}

/**
 * Checks 4-8 against `chain` (see rpc.js for the interface). A read that fails ends them:
 * that check says why (error if unreachable, else failed) and the rest are skipped.
 */
export async function chainChecks(bundle, chain, minConfirmations) {
  const where = chain.source;
  const out = [];
  const add = (name, outcome, reason) => out.push(result(name, outcome, reason, where));
  try {
    const actual = await chain.chainId();
    if (actual !== bundle.anchor.chainId) {
      // Says nothing about the bundle: this node cannot check it (the trust root check
      // says whether the chain the bundle names is the pinned one).
      add(
        CHAIN_ID,
        ERROR,
        `not a node of chain ${bundle.anchor.chainId}: the bundle names chain ` +
          `${bundle.anchor.chainId} but the node serves chain ${actual}`,
      );
      for (const name of CHAIN_CHECKS.slice(1)) add(name, SKIPPED, "not checked: the node serves another chain");
      return out;
    }
    add(CHAIN_ID, PASSED, `the node serves chain ${actual}`);
    const hasRegistry = await chain.isContract(bundle.anchor.registry);
    out.push({ ...(await registryRootCheck(bundle, chain, hasRegistry)), source: where });
    out.push({ ...(await anchorRecordCheck(bundle, chain, hasRegistry)), source: where });
    const [transaction, receipt, canonical] = await anchorTransactionCheck(bundle, chain);
    out.push({ ...transaction, source: where });
    out.push({ ...(await confirmationsCheck(receipt, canonical, chain, minConfirmations)), source: where });
  } catch (error) {
    if (!(error instanceof ChainReadError)) throw error;
    const failing = CHAIN_CHECKS[out.length];
    // A failed read says nothing about the bundle: the check could not be run.
    add(failing, ERROR, `${error.unreachable ? "chain unreachable" : "chain read failed"}: ${error.reason}`);
    for (const name of CHAIN_CHECKS.slice(out.length)) {
      add(name, SKIPPED, `not checked: the chain read for ${failing} failed`);
    }
  }
  return out;
}

async function registryRootCheck(bundle, chain, hasRegistry) {
  const { registry, chainId } = bundle.anchor;
  const size = bundle.treeSize;
  if (!hasRegistry) return result(REGISTRY_ROOT, FAILED, `no contract at ${registry} on chain ${chainId}`);
  const stored = await chain.rootAt(registry, size);
  if (stored === null) return result(REGISTRY_ROOT, FAILED, `the registry has no head of tree size ${size}`);
  if (stored !== bundle.root) {
    return result(
      REGISTRY_ROOT,
      FAILED,
      `the registry's root at tree size ${size} is ${stored}, not inclusion.root ${bundle.root}`,
    );
  }
  return result(REGISTRY_ROOT, PASSED, `rootAt(${size}) = inclusion.root`);
}

async function anchorRecordCheck(bundle, chain, hasRegistry) {
  const seq = bundle.anchor.seq;
  if (!hasRegistry) return result(ANCHOR_RECORD, SKIPPED, "not checked: no registry contract at that address");
  const record = await chain.anchorAt(bundle.anchor.registry, seq);
  if (record === null) return result(ANCHOR_RECORD, FAILED, `the registry has no anchor number ${seq}`);
  const diff = differences([
    ["tree size", record.treeSize, bundle.treeSize],
    ["root", record.root, bundle.root],
    ["statement hash", record.statementHash, bundle.statementHash],
    ["block number", record.blockNumber, bundle.anchor.blockNumber],
  ]);
  if (diff) return result(ANCHOR_RECORD, FAILED, `anchorAt(${seq}) differs from the bundle: ${diff}`);
  return result(
    ANCHOR_RECORD,
    PASSED,
    `anchorAt(${seq}) stores tree size ${record.treeSize}, the root, the statement hash ` +
      `and block ${record.blockNumber}`,
  );
}

async function anchorTransactionCheck(bundle, chain) {
  const anchor = bundle.anchor;
  const tx = `0x${anchor.txHash}`;
  const receipt = await chain.receipt(anchor.txHash, anchor.registry);
  if (receipt === null) {
    const reason = `transaction ${tx} is not on the chain (never mined, or removed by a reorg)`;
    return [result(ANCHOR_TRANSACTION, FAILED, reason), null, false];
  }
  const problems = [];
  if (!receipt.succeeded) problems.push("it reverted");
  if (receipt.to === null || receipt.to.toLowerCase() !== anchor.registry.toLowerCase()) {
    problems.push(`it was sent to ${receipt.to || "no address"}, not the registry`);
  }
  const event = receipt.headAnchored;
  if (event === null) {
    problems.push("the registry emitted no HeadAnchored event in it");
  } else {
    const diff = differences([
      ["seq", event.seq, anchor.seq],
      ["tree size", event.treeSize, bundle.treeSize],
      ["root", event.root, bundle.root],
      ["statement hash", event.statementHash, bundle.statementHash],
    ]);
    if (diff) problems.push(`its HeadAnchored event differs from the bundle: ${diff}`);
  }
  if (receipt.blockNumber !== anchor.blockNumber) {
    problems.push(`it was mined in block ${receipt.blockNumber}, the bundle says ${anchor.blockNumber}`);
  }
  const canonical = (await chain.blockHashAt(receipt.blockNumber)) === receipt.blockHash;
  if (!canonical) problems.push(`block ${receipt.blockNumber} is no longer on the canonical chain`);
  const check = problems.length
    ? result(ANCHOR_TRANSACTION, FAILED, `transaction ${tx}: ${problems.join("; ")}`)
    : result(
        ANCHOR_TRANSACTION,
        PASSED,
        `${tx} succeeded in canonical block ${receipt.blockNumber} and emitted ` +
          `HeadAnchored(seq ${anchor.seq}, tree size ${bundle.treeSize}) from the registry`,
      );
  return [check, receipt, canonical];
}

/** "1 path hash", "3 path hashes" (as the Python verifier says it). */
function pathHashes(bundle) {
  return `${bundle.path.length} path hash${bundle.path.length === 1 ? "" : "es"}`;
}

async function confirmationsCheck(receipt, canonical, chain, minimum) {
  if (receipt === null) {
    return result(CONFIRMATIONS, SKIPPED, "not checked: the anchor transaction is not mined");
  }
  const count = canonical ? (await chain.headBlockNumber()) - receipt.blockNumber + 1n : 0n;
  const counted = `${count} confirmation${count === 1n ? "" : "s"}`;
  if (count < minimum) return result(CONFIRMATIONS, FAILED, `${counted}, fewer than the ${minimum} required`);
  return result(CONFIRMATIONS, PASSED, `${counted} (at least ${minimum} required)`);
}

function differences(fields) {
  return fields
    .filter(([, found, expected]) => found !== expected)
    .map(([name, found, expected]) => `${name} ${found} (bundle: ${expected})`)
    .join("; ");
}

/**
 * The verdict on a list of checks, as anchor_service/verifier/report.py words it, first
 * rule that applies: invalid (a check failed), unverified (one could not be run),
 * unpinned ("not verified against a trust root": nothing bound the bundle to the
 * auditor's trust root), redacted (bound, but the document was erased), valid.
 * Bound: "signed checkpoint" passed, or "pinned registry" passed and the chain was read,
 * or `bound` (a tlog-proof's "log signature" passed); `claim` replaces the bundle's
 * registry claim (a tlog-proof not anchored yet claims its log).
 */
export function verdict(checks, { bundle, chainChecked, trustRoot, bound: boundBy = false, claim: claimed = null }) {
  const outcomes = new Set(checks.map((check) => check.outcome));
  const pinned = checks.find((check) => check.name === "pinned registry");
  if (outcomes.has(FAILED)) {
    const failed = checks.filter((check) => check.outcome === FAILED).map((check) => check.name);
    const why = pinned?.outcome === FAILED ? `: ${pinned.reason}` : "";
    return { status: "invalid", valid: false, text: `failed ${failed.join(", ")}${why}` };
  }
  if (outcomes.has(ERROR)) {
    const reasons = checks.filter((check) => check.outcome === ERROR).map((check) => check.reason);
    return { status: "unverified", valid: false, text: reasons.join("; ") };
  }
  const claim = claimed ?? `registry ${bundle.anchor.registry} on chain ${bundle.anchor.chainId}`;
  const signed = checks.find((check) => check.name === "signed checkpoint");
  const bound = boundBy || signed?.outcome === PASSED || (pinned?.outcome === PASSED && chainChecked);
  if (!bound) {
    let why;
    if (trustRoot === null) {
      why = "the checks passed, but nothing ties the bundle to a registry or log key you trust";
    } else if (!trustRoot.registries.length && chainChecked) {
      why = "your trust root pins no registry and the bundle carries no signed checkpoint it could check";
    } else {
      why = "the chain was not read and the bundle carries no signed checkpoint the trust root could check";
    }
    return {
      status: "unpinned",
      valid: false,
      text: `not verified against a trust root: ${why}; it claims ${claim}`,
    };
  }
  const scope = chainChecked ? "" : " (offline: signed checkpoint only)";
  if (bundle.redacted) {
    const record = bundle.redactionRecord
      ? `; redaction record: leaf ${bundle.redactionRecord.index} (hash ${bundle.redactionRecord.hash})`
      : "; the bundle names no redaction record";
    return {
      status: "redacted",
      valid: false,
      text: `a leaf exists at index ${bundle.leafIndex}; its content was erased${record}${scope}`,
    };
  }
  return { status: "valid", valid: true, text: `every check passed${scope}` };
}
