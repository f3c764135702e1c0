// The auditor's trust root: the registries (chain id, address) and log keys the auditor
// pins, from a pasted policy (policy.js) or a registry typed in. Two checks, named and
// worded as anchor_service/verifier/checks.py names and words them:
//
//   signed checkpoint  the bundle's signed checkpoint (if it has one) is signed by a log
//                      of the policy and cosigned by its witness quorum (checkpoint.js),
//                      and is the tree of the inclusion proof (its size and root)
//   pinned registry    the registry and chain the bundle names are pinned ones; through
//                      the API, the registry the API checked against must be pinned too
//
// A bundle is bound to the trust root when "signed checkpoint" passed, or "pinned
// registry" passed and the chain was read (the chain checks then read a registry the
// auditor pinned). checks.js's verdict()
// never says "valid" for an unbound bundle. Nothing the bundle or this server says stands
// in for the trust root; it is kept in the browser only if the auditor asks (remember()).

import { CheckpointError, verifyCheckpoint } from "./checkpoint.js";
import { PASSED, SKIPPED, FAILED, result } from "./checks.js";
import { parsePolicy } from "./policy.js";

export const CHECKPOINT = "signed checkpoint";
export const PINNED_REGISTRY = "pinned registry";
export const TRUST_CHECKS = [CHECKPOINT, PINNED_REGISTRY];
export const STORAGE_KEY = "anchor-service.verify.trust-root";
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL = /^[1-9][0-9]*$/;
const WHERE = "browser";

/** The trust root cannot be read (a policy error, a malformed address or chain id). */
export class TrustRootError extends Error {}

/** "registry 0x… on chain N" (the address as given). */
export function describeRegistry({ chainId, address }) {
  return `registry ${address} on chain ${chainId}`;
}

/**
 * The trust root from the form's values: {kind: "policy", text} or {kind: "registry",
 * chainId, address}; null when the auditor gave none. Throws TrustRootError.
 */
export async function trustRootFrom(input) {
  if (input.kind === "policy") {
    if (!input.text.trim()) return null;
    try {
      const policy = await parsePolicy(input.text);
      return { source: "your policy", registries: policy.registries, policy };
    } catch (error) {
      if (error.name === "PolicyFileError") throw new TrustRootError(`Your policy: ${error.message}`);
      throw error;
    }
  }
  const address = input.address.trim();
  const chainId = input.chainId.trim();
  if (!address && !chainId) return null;
  if (!ADDRESS.test(address)) {
    throw new TrustRootError("The registry you trust must be an address: 0x and 40 hex digits.");
  }
  if (!DECIMAL.test(chainId)) throw new TrustRootError("Enter the chain id of that registry (1 or more).");
  return {
    source: "the registry you entered",
    registries: [{ chainId: BigInt(chainId), address: address.toLowerCase() }],
    policy: null,
  };
}

function pins(trustRoot, chainId, address) {
  const wanted = address.toLowerCase();
  return trustRoot.registries.some((r) => r.chainId === chainId && r.address === wanted);
}

function pinned(trustRoot) {
  return trustRoot.registries.map(describeRegistry).join(", ") || "no registry";
}

/** The "signed checkpoint" check, as checks.py's check_checkpoint. */
export async function checkpointCheck(trustRoot, bundle) {
  if (trustRoot === null) return result(CHECKPOINT, SKIPPED, "no trust root: nothing pinned to check against", WHERE);
  if (bundle.checkpoint === null) return result(CHECKPOINT, SKIPPED, "the bundle carries no signed checkpoint", WHERE);
  if (!trustRoot.policy?.logs.length) {
    return result(CHECKPOINT, SKIPPED, "the trust root has no log key: the signature is not checked", WHERE);
  }
  let verified;
  try {
    verified = await verifyCheckpoint(trustRoot.policy, bundle.checkpoint);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    return result(CHECKPOINT, FAILED, `the checkpoint does not satisfy the trust policy: ${error.message}`, WHERE);
  }
  const { checkpoint } = verified;
  const differences = [
    ["tree size", checkpoint.size, bundle.treeSize],
    ["root", checkpoint.root, bundle.root],
  ]
    .filter(([, found, expected]) => found !== expected)
    .map(([name, found, expected]) => `${name} ${found} (bundle: ${expected})`)
    .join("; ");
  if (differences) {
    return result(
      CHECKPOINT,
      FAILED,
      `the signed checkpoint is not the tree of the inclusion proof: ${differences}`,
      WHERE,
    );
  }
  const cosigned = verified.cosigners.join(", ") || "no witness";
  return result(
    CHECKPOINT,
    PASSED,
    `signed by log ${verified.log}, cosigned by ${cosigned} (quorum ${trustRoot.policy.quorum} met); ` +
      `tree size ${checkpoint.size} and root = inclusion.root`,
    WHERE,
  );
}

/**
 * The "pinned registry" check on the bundle's claim (`anchor`); `checkedRegistry` is the
 * registry an API report says it checked against, if any.
 */
export function pinnedRegistryCheck(trustRoot, anchor, { checkedRegistry = null } = {}) {
  if (trustRoot === null) {
    return result(PINNED_REGISTRY, SKIPPED, "no trust root: nothing pinned to check against", WHERE);
  }
  if (!trustRoot.registries.length) return result(PINNED_REGISTRY, SKIPPED, "the trust root pins no registry", WHERE);
  const claim = describeRegistry({ chainId: anchor.chainId, address: anchor.registry });
  if (!pins(trustRoot, anchor.chainId, anchor.registry)) {
    return result(PINNED_REGISTRY, FAILED, `the bundle claims ${claim}, but the trust root pins ${pinned(trustRoot)}`, WHERE);
  }
  if (checkedRegistry !== null && !pins(trustRoot, checkedRegistry.chainId, checkedRegistry.address)) {
    return result(
      PINNED_REGISTRY,
      FAILED,
      `the API checked against ${describeRegistry(checkedRegistry)}, but the trust root pins ${pinned(trustRoot)}`,
      WHERE,
    );
  }
  return result(PINNED_REGISTRY, PASSED, `${claim} is pinned (${trustRoot.source})`, WHERE);
}

/** The remembered trust root input, or null. Only ever written by remember(). */
export function remembered(storage) {
  try {
    const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? "null");
    if (saved && (saved.kind === "policy" || saved.kind === "registry")) return saved;
  } catch {
    // nothing usable was stored
  }
  return null;
}

/** Keep `input` in the browser's storage if the auditor asked to, else forget any. */
export function remember(storage, input, wanted) {
  if (wanted && input) storage.setItem(STORAGE_KEY, JSON.stringify(input));
  else storage.removeItem(STORAGE_KEY);
}
