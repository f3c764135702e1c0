// The chain checks as this service's API runs them: POST /v1/proofs/verify with the
// auditor's key (kept in the page's memory only, sent only to this origin).
//
// Only the API's chain checks (4-8) are taken; the Merkle checks stay the browser's own.

import { CHAIN_CHECKS, ERROR, FAILED, PASSED, SKIPPED, result } from "./checks.js";

const SOURCE = "this API";

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

/** Checks 4-8 from the API for the bundle `text` (sent exactly as given). */
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
    return failedCall(`cannot reach the API at ${url.origin} (${error.message})`);
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
        ? " (an auditor or admin API key is needed)"
        : "";
    return failedCall(`the API answered ${status}${hint}: ${describeError(body)}`);
  }
  const checks = Array.isArray(body?.checks) ? body.checks : [];
  return CHAIN_CHECKS.map((name) => {
    const found = checks.find((check) => check?.name === name);
    if (!found || ![PASSED, FAILED, SKIPPED, ERROR].includes(found.outcome)) {
      return result(name, ERROR, "the API's report has no such check", SOURCE);
    }
    return result(name, found.outcome, String(found.reason), SOURCE);
  });
}
