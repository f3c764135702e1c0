// The chain checks as this service's API runs them: POST /v1/proofs/verify with the
// auditor's key (kept in the page's memory only, sent only to this origin).
//
// Only the API's chain checks (4-8) are taken; the Merkle checks stay the browser's own.

import { CHAIN_CHECKS, ERROR, FAILED, MERKLE_CHECKS, PASSED, SKIPPED, result } from "./checks.js";

const SOURCE = "this API";
const OUTCOMES = [PASSED, FAILED, SKIPPED, ERROR];
// The page runs these itself, against the auditor's trust root (the API's, against the
// service's own, are not the auditor's: its trust_root is compared with the pin instead).
const BROWSER_CHECKS = [...MERKLE_CHECKS, "signed checkpoint", "pinned registry"];
const TRUST_ROOT_REGISTRY = /registry (0x[0-9a-fA-F]{40}) on chain ([1-9][0-9]*)/;

function failedCall(reason) {
  return CHAIN_CHECKS.map((name, i) =>
    i === 0
      ? result(name, ERROR, reason, SOURCE)
      : result(name, SKIPPED, "not checked: the API call failed", SOURCE),
  );
}

function describeError(body) {
  if (body && typeof body === "object") {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? "");
    return body.error ? `${body.error}: ${detail}` : detail;
  }
  return "";
}

/**
 * Checks 4-8 from the API for the bundle `text` (sent exactly as given), with any further
 * check the API ran, and the registry its report says it checked (or null).
 */
export async function apiChainChecks(text, { apiKey, minConfirmations, baseUrl }) {
  const url = new URL("v1/proofs/verify", baseUrl);
  if (minConfirmations !== null) url.searchParams.set("min_confirmations", String(minConfirmations));
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
      body: text,
      credentials: "omit",
    });
  } catch (error) {
    return { checks: failedCall(`cannot reach the API at ${url.origin} (${error.message})`), checkedRegistry: null };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    const hint =
      response.status === 401 || response.status === 403
        ? " (an auditor or admin API key is needed; an account key cannot verify here: choose a JSON-RPC node)"
        : "";
    return { checks: failedCall(`the API answered ${status}${hint}: ${describeError(body)}`), checkedRegistry: null };
  }
  const checks = Array.isArray(body?.checks) ? body.checks : [];
  const chain = CHAIN_CHECKS.map((name) => {
    const found = checks.find((check) => check?.name === name);
    if (!found || !OUTCOMES.includes(found.outcome)) {
      return result(name, ERROR, "the API's report has no such check", SOURCE);
    }
    return result(name, found.outcome, String(found.reason), SOURCE);
  });
  // Checks the API runs beyond these (its own trust checks against the service's
  // registry and keys) are shown too, under their names: one failing fails the bundle.
  const extra = checks
    .filter((check) => typeof check?.name === "string" && !BROWSER_CHECKS.includes(check.name))
    .filter((check) => !CHAIN_CHECKS.includes(check.name) && OUTCOMES.includes(check.outcome))
    .map((check) => result(check.name, check.outcome, String(check.reason), SOURCE));
  return { checks: [...chain, ...extra], checkedRegistry: checkedRegistry(body) };
}

/**
 * The registry the API's report says it checked against ({chainId, address}), from its
 * `trust_root` ("registry 0x.. on chain N (this service's)"), or null.
 */
export function checkedRegistry(report) {
  const found = typeof report?.trust_root === "string" ? TRUST_ROOT_REGISTRY.exec(report.trust_root) : null;
  return found ? { chainId: BigInt(found[2]), address: found[1].toLowerCase() } : null;
}
