// The auditor's trust root: the registries (chain id, address) the auditor pins, from a
// pasted policy (policy.js) or typed in. The "trust root" check compares what the bundle
// claims (and, through the API, the registry the API checked) with it: nothing the bundle
// or this server says can stand in for it.
//
//   passed   the bundle's registry is pinned and the chain was read from it
//   failed   the bundle (or the API's report) names a registry that is not pinned
//   skipped  no trust root, a policy with no registry line, or the chain not read:
//            the verdict is then "Not verified against a trust root", never "Valid"

import { FAILED, PASSED, SKIPPED, result } from "./checks.js";
import { parsePolicy } from "./policy.js";

export const TRUST_ROOT = "trust root";
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL = /^[1-9][0-9]*$/;
const STORAGE_KEY = "anchor-service.verify.trust-root";

/** The trust root cannot be read (a policy error, a malformed address or chain id). */
export class TrustRootError extends Error {}

/** "0xabc… on chain 1337" */
export function describeRegistry({ chainId, address }) {
  return `registry ${address} on chain ${chainId}`;
}

function listed(registries) {
  const parts = registries.map(describeRegistry);
  return parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
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

/**
 * The "trust root" check. `claimed` is the bundle's anchor; `chainRead` whether the chain
 * checks read the chain; `checkedRegistry` the registry an API report says it checked, if any.
 */
export function trustCheck(trustRoot, claimed, { chainRead, checkedRegistry = null, source = "browser" }) {
  const claim = { chainId: claimed.chainId, address: claimed.registry.toLowerCase() };
  const says = `the bundle claims ${describeRegistry(claim)}`;
  if (trustRoot === null) {
    return result(
      TRUST_ROOT,
      SKIPPED,
      `no trust root: ${says}; paste your policy or enter the registry you trust to check it`,
      source,
    );
  }
  const pinned = trustRoot.registries;
  if (!pinned.length) {
    return result(
      TRUST_ROOT,
      SKIPPED,
      `${trustRoot.source} pins no registry (no registry line), so nothing binds this bundle to it; ${says}`,
      source,
    );
  }
  const isPinned = (registry) =>
    pinned.some((p) => p.chainId === registry.chainId && p.address === registry.address.toLowerCase());
  if (!isPinned(claim)) {
    return result(TRUST_ROOT, FAILED, `${says}, not the pinned ${listed(pinned)}`, source);
  }
  if (checkedRegistry !== null && !isPinned(checkedRegistry)) {
    return result(
      TRUST_ROOT,
      FAILED,
      `the API checked ${describeRegistry(checkedRegistry)}, not the pinned ${listed(pinned)}`,
      source,
    );
  }
  if (!chainRead) {
    return result(
      TRUST_ROOT,
      SKIPPED,
      `${says}, which ${trustRoot.source} pins, but the chain was not read: nothing shows the anchor is there`,
      source,
    );
  }
  return result(TRUST_ROOT, PASSED, `${describeRegistry(claim)} is pinned by ${trustRoot.source}`, source);
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

export { STORAGE_KEY };
