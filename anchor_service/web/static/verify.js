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
import { quorumChainChecks } from "./nodes.js";
import { RpcChainView } from "./rpc.js";
import {
  TLOG_CHECKS,
  bundleWithCheckpoint,
  isTlogProof,
  notAnchoredChecks,
  pendingLeafCheck,
  readTlogProof,
  tlogChecks,
} from "./tlogproof.js";
import {
  TRUST_CHECKS,
  TrustRootError,
  checkpointCheck,
  pinnedRegistryCheck,
  remember,
  remembered,
  trustRootFrom,
} from "./trust.js";

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MARKS = { passed: "✔", failed: "✘", skipped: "–", error: "!" };
const HEADLINES = {
  valid: "Valid",
  redacted: "Redacted",
  invalid: "Invalid",
  unverified: "Not verifiable",
  unpinned: "Not verified against a trust root",
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

/** The node URLs, one per line (blank lines ignored, repeats once). */
function rpcUrls() {
  const lines = $("rpc-urls").value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (!lines.length) throw new InputError("Enter the JSON-RPC URL of a node of the bundle's chain.");
  const urls = [];
  for (const raw of lines) {
    let url;
    try {
      url = new URL(raw);
    } catch {
      throw new InputError(`Not a URL: ${raw}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new InputError(`The node URL must start with http:// or https://: ${raw}`);
    }
    if (!urls.includes(url.href)) urls.push(url.href);
  }
  return urls;
}

/** How many nodes must agree: null for all of them. */
function rpcQuorum(count) {
  const raw = $("rpc-quorum").value.trim();
  if (raw === "") return null;
  if (!/^[0-9]+$/.test(raw) || BigInt(raw) < 1n || BigInt(raw) > BigInt(count)) {
    throw new InputError(`Nodes that must agree: a whole number from 1 to ${count} (the nodes listed).`);
  }
  return Number(raw);
}

function trustKind() {
  return document.querySelector('input[name="trust-kind"]:checked').value;
}

function showTrustKind() {
  $("trust-registry-options").hidden = trustKind() !== "registry";
  $("trust-policy-options").hidden = trustKind() !== "policy";
}

/** What the auditor gave as trust root (the form's values, as remembered). */
function trustInput() {
  if (trustKind() === "policy") return { kind: "policy", text: $("trust-policy").value };
  return { kind: "registry", chainId: $("trust-chain-id").value, address: $("trust-registry").value };
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage is disabled: nothing can be remembered
  }
}

function rememberTrustRoot() {
  const store = storage();
  if (store) remember(store, trustInput(), $("trust-remember").checked);
}

function restoreTrustRoot() {
  const store = storage();
  const saved = store ? remembered(store) : null;
  if (saved === null) return;
  document.querySelector(`input[name="trust-kind"][value="${saved.kind}"]`).checked = true;
  if (saved.kind === "policy") $("trust-policy").value = String(saved.text ?? "");
  else {
    $("trust-chain-id").value = String(saved.chainId ?? "");
    $("trust-registry").value = String(saved.address ?? "");
  }
  $("trust-remember").checked = true;
}

function showOperatorClaim() {
  const claim = $("operator-claim");
  const registry = claim.dataset.registry;
  if (!registry) return;
  $("operator-registry").textContent = registry;
  $("operator-chain-id").textContent = claim.dataset.chainId;
  claim.hidden = false;
}

function apiKey() {
  const key = $("api-key").value.trim();
  if (!key) throw new InputError("Enter an API key with the auditor or admin role.");
  return key;
}

/** Checks 4-8 (and node agreement, or the API's own) with the registry the API checked. */
async function onChain(chosen, text, bundle) {
  if (chosen === "offline") {
    return { checks: skippedChainChecks("offline: the chain was not read"), checkedRegistry: null };
  }
  const minimum = minConfirmations(chosen);
  if (chosen === "rpc") {
    const urls = rpcUrls();
    const quorum = rpcQuorum(urls.length);
    const checks =
      urls.length === 1
        ? await chainChecks(bundle, new RpcChainView(urls[0]), minimum ?? 0n)
        : await quorumChainChecks(bundle, urls, quorum, minimum ?? 0n);
    return { checks, checkedRegistry: null };
  }
  return apiChainChecks(text, { apiKey: apiKey(), minConfirmations: minimum, baseUrl: document.baseURI });
}

function malformed(error, tlogProof = false) {
  const checks = [
    result(BUNDLE_FORMAT, FAILED, error.message, "browser"),
    ...(tlogProof ? TLOG_CHECKS : []).map((name) =>
      result(name, SKIPPED, "not checked: the tlog-proof is malformed", "-"),
    ),
    ...[...MERKLE_CHECKS.slice(1), ...TRUST_CHECKS, ...CHAIN_CHECKS].map((name) =>
      result(name, SKIPPED, "not checked: the bundle is malformed", "-"),
    ),
  ];
  return { checks, status: "malformed", text: `not a valid proof bundle: ${error.message}` };
}

/** "log <origin>, not anchored yet" (tlog_proof.py's claim for a proof with no anchor). */
function pendingSummary(read) {
  const parts = [];
  const id = read.entry?.get("external_id");
  if (typeof id === "string") parts.push(`Entry ${id}`);
  parts.push(`leaf ${read.index} of the checkpoint of ${read.checkpoint.origin} at tree size ${read.checkpoint.size}`);
  parts.push("not anchored yet");
  return parts.join(" · ");
}

/** The extra line's bundle, as JSON text (what the API's verify route reads). */
function bundleText(tlog) {
  return new TextDecoder().decode(tlog.extraBytes);
}

function summaryOf(bundle) {
  const parts = [];
  const id = bundle.entry?.get("external_id");
  if (typeof id === "string") parts.push(`Entry ${id}`);
  parts.push(`leaf ${bundle.leafIndex} of tree size ${bundle.treeSize}`);
  const anchor = bundle.anchor;
  parts.push(`claims anchor ${anchor.seq} in registry ${anchor.registry} on chain ${anchor.chainId}`);
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
    let tlog = null; // the read tlog-proof, when the input is one
    const tlogProof = isTlogProof(text);
    try {
      if (tlogProof) {
        tlog = readTlogProof(text);
        bundle = tlog.bundle === null ? null : bundleWithCheckpoint(tlog);
      } else {
        bundle = parseBundle(text);
      }
    } catch (error) {
      if (!(error instanceof BundleFormatError)) throw error;
      render(malformed(error, tlogProof));
      return;
    }
    // Read the inputs before any work, so a missing URL, key or trust root is said at once.
    const trustRoot = await trustRootFrom(trustInput());
    rememberTrustRoot();
    if (chosen !== "offline") minConfirmations(chosen);
    if (chosen === "rpc") rpcQuorum(rpcUrls().length);
    if (chosen === "api") apiKey();
    const proofChecks = tlog === null ? [] : await tlogChecks(tlog, trustRoot);
    const signed = proofChecks.some((check) => check.name === "log signature" && check.ok);
    if (tlog !== null && bundle === null) {
      // Not anchored yet: the entry is in the log's signed tree, or nothing is said.
      const checks = [...proofChecks, await pendingLeafCheck(tlog), ...notAnchoredChecks()];
      const pending = {
        anchor: null,
        leafIndex: tlog.index,
        redacted: tlog.redacted,
        redactionRecord: null,
      };
      const claim = `log ${tlog.checkpoint.origin}, not anchored yet`;
      const outcome = verdict(checks, { bundle: pending, chainChecked: false, trustRoot, bound: signed, claim });
      let canonical = null;
      try {
        canonical = tlog.entry === null ? null : canonicalize(tlog.entry);
      } catch {
        canonical = null; // the leaf hash check says why
      }
      render({ checks, ...outcome, summary: pendingSummary(tlog), canonical });
      return;
    }
    const merkle = await merkleChecks(bundle);
    // The API checks JSON bundles: a tlog-proof's is its extra line's.
    const chain = await onChain(chosen, tlog === null ? text : bundleText(tlog), bundle);
    const trust = [
      await checkpointCheck(trustRoot, bundle),
      pinnedRegistryCheck(trustRoot, bundle.anchor, { checkedRegistry: chain.checkedRegistry }),
    ];
    const checks = [...proofChecks, ...merkle, ...trust, ...chain.checks];
    const outcome = verdict(checks, { bundle, chainChecked: chosen !== "offline", trustRoot, bound: signed });
    let canonical = null;
    try {
      canonical = bundle.entry === null ? null : canonicalize(bundle.entry);
    } catch {
      canonical = null; // the leaf hash check says why
    }
    render({ checks, ...outcome, summary: summaryOf(bundle), canonical });
  } catch (error) {
    const known = error instanceof InputError || error instanceof TrustRootError;
    showFormError(known ? error.message : `Could not verify: ${error.message}`);
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
  for (const input of document.querySelectorAll('input[name="trust-kind"]')) {
    input.addEventListener("change", showTrustKind);
  }
  // Unticking forgets at once; ticking keeps the trust root when Verify is pressed.
  $("trust-remember").addEventListener("change", () => {
    if (!$("trust-remember").checked) rememberTrustRoot();
  });
  $("verify").addEventListener("click", verifyNow);
  restoreTrustRoot();
  showOperatorClaim();
  showTrustKind();
  showMode();
  document.body.dataset.ready = "true";
}

setUp();
