// The auditor page: read the bundle (pasted, chosen or dropped), run the checks, show them.
// Every text from the bundle or a server goes into the page as text, never as HTML.

import { apiChainChecks } from "./api.js";
import { BundleFormatError, parseBundle } from "./bundle.js";
import {
  BUNDLE_FORMAT,
  CHAIN_CHECKS,
  FAILED,
  MERKLE_CHECKS,
  SKIPPED,
  chainChecks,
  merkleChecks,
  result,
  skippedChainChecks,
  verdict,
} from "./checks.js";
import { canonicalize } from "./jcs.js";
import { RpcChainView } from "./rpc.js";

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MARKS = { passed: "✔", failed: "✘", skipped: "–", error: "!" };
const HEADLINES = {
  valid: "Valid",
  redacted: "Valid (document erased)",
  invalid: "Invalid",
  unverified: "Not verified",
  malformed: "Not a proof bundle",
};

const $ = (id) => document.getElementById(id);

class InputError extends Error {}

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function showMode() {
  const chosen = mode();
  $("rpc-options").hidden = chosen !== "rpc";
  $("api-options").hidden = chosen !== "api";
  $("confirmations-options").hidden = chosen === "offline";
}

function showFormError(message) {
  $("form-error").textContent = message;
  $("form-error").hidden = !message;
}

/** The confirmations field: a count, or null when empty in API mode (the service's default). */
function minConfirmations(chosen) {
  const raw = $("min-confirmations").value.trim();
  if (raw === "") {
    if (chosen === "api") return null;
    throw new InputError("Enter how many confirmations the anchor needs (0 or more).");
  }
  if (!/^[0-9]+$/.test(raw)) throw new InputError("Confirmations must be a whole number, 0 or more.");
  return BigInt(raw);
}

function rpcUrl() {
  const raw = $("rpc-url").value.trim();
  if (!raw) throw new InputError("Enter the JSON-RPC URL of a node of the bundle's chain.");
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`Not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InputError("The node URL must start with http:// or https://.");
  }
  return url.href;
}

function apiKey() {
  const key = $("api-key").value.trim();
  if (!key) throw new InputError("Enter an API key with the auditor or admin role.");
  return key;
}

async function onChain(chosen, text, bundle) {
  if (chosen === "offline") return skippedChainChecks("offline: the chain was not read");
  const minimum = minConfirmations(chosen);
  if (chosen === "rpc") {
    return chainChecks(bundle, new RpcChainView(rpcUrl()), minimum ?? 0n);
  }
  return apiChainChecks(text, { apiKey: apiKey(), minConfirmations: minimum, baseUrl: document.baseURI });
}

function malformed(error) {
  const checks = [
    result(BUNDLE_FORMAT, FAILED, error.message, "browser"),
    ...[...MERKLE_CHECKS.slice(1), ...CHAIN_CHECKS].map((name) =>
      result(name, SKIPPED, "not checked: the bundle is malformed", "-"),
    ),
  ];
  return { checks, status: "malformed", text: `not a valid proof bundle: ${error.message}` };
}

function summaryOf(bundle) {
  const parts = [];
  const id = bundle.entry?.get("external_id");
  if (typeof id === "string") parts.push(`Entry ${id}`);
  parts.push(`leaf ${bundle.leafIndex} of tree size ${bundle.treeSize}`);
  const anchor = bundle.anchor;
  parts.push(`anchor ${anchor.seq} in registry ${anchor.registry} on chain ${anchor.chainId}`);
  parts.push(`transaction 0x${anchor.txHash} (block ${anchor.blockNumber})`);
  return parts.join(" · ");
}

function render({ checks, status, text, summary = "", canonical = null }) {
  const body = $("checks").querySelector("tbody");
  body.replaceChildren(
    ...checks.map((check) => {
      const row = document.createElement("tr");
      row.dataset.check = check.name;
      row.dataset.outcome = check.outcome;
      row.className = `outcome-${check.outcome}`;
      const cells = [MARKS[check.outcome] ?? "?", check.name, check.source, check.reason];
      cells.forEach((value, i) => {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (i === 0) cell.className = "mark";
        if (i === 1) cell.className = "name";
        if (i === 2) cell.className = "source";
        if (i === 3) cell.className = "reason";
        row.append(cell);
      });
      return row;
    }),
  );
  const banner = $("verdict");
  banner.dataset.status = status;
  banner.className = `verdict verdict-${status}`;
  const headline = document.createElement("strong");
  headline.textContent = HEADLINES[status];
  const detail = document.createElement("span");
  detail.textContent = text;
  banner.replaceChildren(headline, detail);
  $("summary").textContent = summary;
  $("document").hidden = canonical === null;
  $("canonical").textContent = canonical ?? "";
  $("results").hidden = false;
  $("results").scrollIntoView({ block: "start" });
}

async function verifyNow() {
  const results = $("results");
  const button = $("verify");
  showFormError("");
  const text = $("bundle").value;
  const chosen = mode();
  if (!text.trim()) {
    showFormError("Paste a proof bundle or choose a file first.");
    return;
  }
  button.disabled = true;
  results.dataset.state = "running";
  try {
    let bundle;
    try {
      bundle = parseBundle(text);
    } catch (error) {
      if (!(error instanceof BundleFormatError)) throw error;
      render(malformed(error));
      return;
    }
    // Read the inputs before any work, so a missing URL or key is said at once.
    if (chosen !== "offline") minConfirmations(chosen);
    if (chosen === "rpc") rpcUrl();
    if (chosen === "api") apiKey();
    const checks = [...(await merkleChecks(bundle)), ...(await onChain(chosen, text, bundle))];
    const outcome = verdict(checks, { redacted: bundle.redacted, chainChecked: chosen !== "offline" });
    let canonical = null;
    try {
      canonical = bundle.entry === null ? null : canonicalize(bundle.entry);
    } catch {
      canonical = null; // the leaf hash check says why
    }
    render({ checks, ...outcome, summary: summaryOf(bundle), canonical });
  } catch (error) {
    showFormError(error instanceof InputError ? error.message : `Could not verify: ${error.message}`);
    results.hidden = true;
  } finally {
    button.disabled = false;
    results.dataset.state = "done";
  }
}

async function load(file) {
  if (file.size > MAX_FILE_BYTES) {
    showFormError(`${file.name} is ${file.size} bytes; a proof bundle is far smaller.`);
    return;
  }
  $("bundle").value = await file.text();
  $("file-status").textContent = `Loaded ${file.name} (${file.size} bytes).`;
  showFormError("");
}

function setUp() {
  const zone = $("drop-zone");
  for (const input of document.querySelectorAll('input[name="mode"]')) {
    input.addEventListener("change", showMode);
  }
  $("bundle-file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) load(file);
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const [file] = event.dataTransfer.files;
    if (file) load(file);
    else if (event.dataTransfer.getData("text/plain")) {
      $("bundle").value = event.dataTransfer.getData("text/plain");
    }
  });
  $("verify").addEventListener("click", verifyNow);
  showMode();
  document.body.dataset.ready = "true";
}

setUp();
