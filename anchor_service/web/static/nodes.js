// Nodes the auditor does not have to trust alone: the chain checks (4-8) run on every node
// listed, and the nodes must agree on what they read of the anchor (the registry's code,
// root and record, the transaction's receipt, the hash of its block) before any of them is
// believed. The quorum is every node, or K of them; the "node agreement" check says which
// agreed and shows any disagreement. A node that cannot check the bundle (unreachable, not
// JSON-RPC, another chain) does not count towards the quorum and is named with its reason.

import { CHAIN_CHECKS, ERROR, PASSED, SKIPPED, chainChecks, result } from "./checks.js";
import { RpcChainView } from "./rpc.js";

export const NODE_AGREEMENT = "node agreement";

/** A chain view that writes down everything it read, except the moving chain head. */
class RecordingView {
  constructor(view) {
    this.view = view;
    this.url = view.url;
    this.source = view.source;
    this.reads = new Map();
  }

  async note(key, read) {
    const value = await read();
    this.reads.set(key, value);
    return value;
  }

  chainId() {
    return this.note("chain id", () => this.view.chainId());
  }

  isContract(address) {
    return this.note(`code at ${address.toLowerCase()}`, () => this.view.isContract(address));
  }

  rootAt(registry, treeSize) {
    return this.note(`rootAt(${treeSize})`, () => this.view.rootAt(registry, treeSize));
  }

  anchorAt(registry, seq) {
    return this.note(`anchorAt(${seq})`, () => this.view.anchorAt(registry, seq));
  }

  receipt(txHash, registry) {
    return this.note(`receipt of 0x${txHash}`, () => this.view.receipt(txHash, registry));
  }

  blockHashAt(number) {
    return this.note(`hash of block ${number}`, () => this.view.blockHashAt(number));
  }

  headBlockNumber() {
    return this.view.headBlockNumber();
  }
}

function show(value) {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "boolean") return value ? "a contract" : "no contract";
  if (typeof value === "bigint" || typeof value === "string") return String(value);
  if ("succeeded" in value) {
    return `block ${value.blockNumber} (hash ${value.blockHash}), ${value.succeeded ? "succeeded" : "reverted"}`;
  }
  return Object.entries(value)
    .map(([key, field]) => `${key} ${field}`)
    .join(", ");
}

function fingerprint(reads) {
  return JSON.stringify([...reads.entries()], (_key, value) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}

/** What `a` and `b` (two nodes' reads) first differ on, in words. */
function difference(a, b) {
  const keys = [...new Set([...a.reads.keys(), ...b.reads.keys()])];
  for (const key of keys) {
    const left = fingerprint(new Map([[key, a.reads.get(key)]]));
    const right = fingerprint(new Map([[key, b.reads.get(key)]]));
    if (left !== right) {
      return `${key}: ${a.url} says ${show(a.reads.get(key))}, ${b.url} says ${show(b.reads.get(key))}`;
    }
  }
  return "their reads differ";
}

/**
 * Checks 4-8 on every node of `urls` plus "node agreement": at least `quorum` nodes (all
 * by default) read the same anchor. Returns {checks, agreement}.
 */
export async function quorumChainChecks(bundle, urls, quorum, minConfirmations) {
  const required = quorum ?? urls.length;
  const runs = await Promise.all(
    urls.map(async (url) => {
      const view = new RecordingView(new RpcChainView(url));
      const checks = await chainChecks(bundle, view, minConfirmations);
      const error = checks.find((check) => check.outcome === ERROR);
      return { url, reads: view.reads, checks, error: error ? error.reason : null };
    }),
  );
  const groups = [];
  for (const run of runs.filter((r) => r.error === null)) {
    const key = fingerprint(run.reads);
    const group = groups.find((g) => g.key === key);
    if (group) group.runs.push(run);
    else groups.push({ key, runs: [run] });
  }
  groups.sort((a, b) => b.runs.length - a.runs.length);
  const [best] = groups;
  const notes = [];
  for (const other of groups.slice(1)) {
    for (const run of other.runs) notes.push(`${run.url} disagrees: ${difference(best.runs[0], run)}`);
  }
  for (const run of runs.filter((r) => r.error !== null)) notes.push(`${run.url} could not check: ${run.error}`);
  const agreeing = best ? best.runs.length : 0;
  const contested = groups.length > 1 && groups[1].runs.length >= required;
  const counted = `${agreeing} of ${urls.length} nodes agree on the registry, the anchor record, ` +
    `the transaction's receipt and its block hash (${required} required)`;
  const detail = notes.length ? `; ${notes.join("; ")}` : "";
  const source = `${urls.length} RPC nodes`;
  if (agreeing >= required && !contested) {
    const checks = best.runs[0].checks.map((check) => ({ ...check, source: `${agreeing} RPC nodes` }));
    return [...checks, result(NODE_AGREEMENT, PASSED, counted + detail, source)];
  }
  const why = groups.length > 1 ? "the nodes disagree" : "too few nodes could check the bundle";
  return [
    ...CHAIN_CHECKS.map((name) => result(name, SKIPPED, `not checked: ${why} (see ${NODE_AGREEMENT})`, source)),
    result(NODE_AGREEMENT, ERROR, `${why}: ${counted}${detail}`, source),
  ];
}
