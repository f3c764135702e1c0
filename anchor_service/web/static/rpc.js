// The chain reads checks.js needs, made from this browser straight to a JSON-RPC node the
// auditor chooses (the node must allow cross-origin requests; ganache does by default).
//
// Methods: eth_chainId, eth_getCode, eth_call (rootAt, anchorAt), eth_getLogs,
// eth_getTransactionReceipt, eth_getBlockByNumber, eth_blockNumber.
//
// Which registry: the code at the address is compared with the registries' runtime code
// (verify/assets/registries.json, immutables aside), as RegistryClient.detect does. An
// AnchorRegistryV2 keeps only its latest head in storage (no rootAt/anchorAt): its heads
// are read from its HeadAnchored events (eth_getLogs), as RegistryClient reads them —
// rootAt(size) is the root of the first event of that tree size, anchorAt(seq) the last
// event of that seq, with the block it is in. Numbers come back as BigInt, hashes as lower-case
// hex without 0x. Every method throws ChainReadError (unreachable: the node did not answer).
//
// The selectors are the first 4 bytes of keccak256 of the signatures; a test recomputes
// them from the contract's ABI (anchor_service/chain/artifacts/AnchorRegistry.json).

import { ChainReadError } from "./checks.js";

export const SELECTORS = {
  "rootAt(uint64)": "eaa38b41",
  "anchorAt(uint256)": "16994960",
};
export const ERROR_SELECTORS = {
  "AnchorRegistryUnknownTreeSize(uint64)": "bacd4a68",
  "AnchorRegistryUnknownAnchor(uint256,uint256)": "15ba966b",
};
/** topic0 of HeadAnchored(uint256 indexed seq, uint64 treeSize, bytes32 root, bytes32 statementHash). */
export const HEAD_ANCHORED_TOPIC =
  "06533c4c3ef1a24009c7585759849dce6de8f2f800ffc35b57968921f0ff9f46";

const TIMEOUT_MS = 15000;
export const REGISTRY_V2 = "AnchorRegistryV2";
let knownRegistries = null;

/** The registries' runtime code by name (fetched once from the page's server). */
function registries() {
  knownRegistries ??= fetch(new URL("verify/assets/registries.json", document.baseURI), {
    credentials: "omit",
  })
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.json();
    })
    .catch((error) => {
      knownRegistries = null; // try again next time
      throw new ChainReadError(`cannot read the registries' code from this page's server: ${error.message}`);
    });
  return knownRegistries;
}

/** The name of the registry whose runtime code `code` (hex, no 0x) is, immutables aside; or null. */
export function registryOf(code, known) {
  for (const [name, { runtime, immutables }] of Object.entries(known)) {
    if (runtime.length !== code.length) continue;
    let masked = runtime;
    for (const [start, length] of immutables) {
      masked = masked.slice(0, 2 * start) + code.slice(2 * start, 2 * (start + length)) + masked.slice(2 * (start + length));
    }
    if (masked === code) return name;
  }
  return null;
}

function word(value) {
  return value.toString(16).padStart(64, "0");
}

function words(hex) {
  const digits = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out = [];
  for (let i = 0; i + 64 <= digits.length; i += 64) out.push(digits.slice(i, i + 64).toLowerCase());
  return out;
}

function revertData(error) {
  const data = error?.data;
  if (typeof data === "string") return data;
  if (data && typeof data === "object") {
    for (const key of ["data", "result"]) if (typeof data[key] === "string") return data[key];
  }
  return "";
}

export class RpcChainView {
  constructor(url) {
    this.url = url;
    this.source = "RPC node";
    this.nextId = 1;
    this.kinds = new Map();
  }

  async request(method, params) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }),
        signal: controller.signal,
        credentials: "omit",
      });
    } catch (error) {
      const why = error.name === "AbortError" ? `no answer within ${TIMEOUT_MS / 1000} s` : error.message;
      throw new ChainReadError(
        `cannot reach ${this.url} (${why}); the node must be reachable from this browser ` +
          "and allow cross-origin requests (CORS)",
        { unreachable: true },
      );
    } finally {
      clearTimeout(timer);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new ChainReadError(
        `${this.url} is not a JSON-RPC node: it answered ${method} with HTTP ${response.status} without JSON`,
        { unreachable: !response.ok },
      );
    }
    if (body === null || typeof body !== "object" || body.jsonrpc !== "2.0") {
      throw new ChainReadError(
        `${this.url} is not a JSON-RPC node: it answered ${method} with HTTP ${response.status} ` +
          "and no JSON-RPC 2.0 response",
      );
    }
    if (body?.error) {
      const error = new ChainReadError(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
      error.revertData = revertData(body.error);
      throw error;
    }
    if (!body || !("result" in body)) throw new ChainReadError(`${method}: no result in the answer`);
    return body.result;
  }

  async call(to, data, revertSelector) {
    try {
      return await this.request("eth_call", [{ to: to.toLowerCase(), data: `0x${data}` }, "latest"]);
    } catch (error) {
      if (error.revertData?.toLowerCase().startsWith(`0x${revertSelector}`)) return null;
      throw error;
    }
  }

  async chainId() {
    return BigInt(await this.request("eth_chainId", []));
  }

  async isContract(address) {
    const code = await this.request("eth_getCode", [address.toLowerCase(), "latest"]);
    return typeof code === "string" && code.length > 2;
  }

  /** Which registry is at `address` (REGISTRY_V2, "AnchorRegistry", or null), read once. */
  async registryKind(address) {
    const key = address.toLowerCase();
    if (!this.kinds.has(key)) {
      const code = String(await this.request("eth_getCode", [key, "latest"])).toLowerCase().replace(/^0x/, "");
      this.kinds.set(key, registryOf(code, await registries()));
    }
    return this.kinds.get(key);
  }

  /** The registry's HeadAnchored events (of `seq` only, if given), decoded, in chain order. */
  async headEvents(registry, seq = null) {
    const topics = [`0x${HEAD_ANCHORED_TOPIC}`];
    if (seq !== null) topics.push(`0x${word(seq)}`);
    const logs = await this.request("eth_getLogs", [
      { address: registry.toLowerCase(), fromBlock: "0x0", toBlock: "latest", topics },
    ]);
    if (!Array.isArray(logs)) throw new ChainReadError(`eth_getLogs returned ${JSON.stringify(logs)}`);
    const out = [];
    for (const log of logs) {
      if (log.removed) continue;
      const event = headAnchored([log], registry);
      if (event !== null) out.push({ ...event, blockNumber: BigInt(log.blockNumber) });
    }
    return out;
  }

  async rootAt(registry, treeSize) {
    if ((await this.registryKind(registry)) === REGISTRY_V2) {
      const found = (await this.headEvents(registry)).find((event) => event.treeSize === treeSize);
      return found === undefined ? null : found.root;
    }
    const data = SELECTORS["rootAt(uint64)"] + word(treeSize);
    const answer = await this.call(registry, data, ERROR_SELECTORS["AnchorRegistryUnknownTreeSize(uint64)"]);
    if (answer === null) return null;
    const [root] = words(answer);
    if (root === undefined) throw new ChainReadError(`rootAt(${treeSize}) returned ${answer}`);
    return root;
  }

  async anchorAt(registry, seq) {
    if ((await this.registryKind(registry)) === REGISTRY_V2) {
      const found = (await this.headEvents(registry, seq)).at(-1);
      if (found === undefined) return null;
      const { treeSize, root, statementHash, blockNumber } = found;
      return { treeSize, root, statementHash, blockNumber };
    }
    const data = SELECTORS["anchorAt(uint256)"] + word(seq);
    const answer = await this.call(
      registry,
      data,
      ERROR_SELECTORS["AnchorRegistryUnknownAnchor(uint256,uint256)"],
    );
    if (answer === null) return null;
    const fields = words(answer);
    if (fields.length < 5) throw new ChainReadError(`anchorAt(${seq}) returned ${answer}`);
    const [treeSize, root, statementHash, blockNumber] = fields;
    return {
      treeSize: BigInt(`0x${treeSize}`),
      root,
      statementHash,
      blockNumber: BigInt(`0x${blockNumber}`),
    };
  }

  async receipt(txHash, registry) {
    const raw = await this.request("eth_getTransactionReceipt", [`0x${txHash}`]);
    if (raw === null) return null;
    return {
      blockNumber: BigInt(raw.blockNumber),
      blockHash: raw.blockHash.toLowerCase().replace(/^0x/, ""),
      succeeded: BigInt(raw.status) === 1n,
      to: raw.to || null,
      headAnchored: headAnchored(raw.logs ?? [], registry),
    };
  }

  async headBlockNumber() {
    return BigInt(await this.request("eth_blockNumber", []));
  }

  async blockHashAt(number) {
    const block = await this.request("eth_getBlockByNumber", [`0x${number.toString(16)}`, false]);
    return block ? block.hash.toLowerCase().replace(/^0x/, "") : null;
  }
}

/** The first HeadAnchored event the registry emitted in `logs`, decoded; or null. */
export function headAnchored(logs, registry) {
  for (const log of logs) {
    const topics = (log.topics ?? []).map((topic) => topic.toLowerCase().replace(/^0x/, ""));
    if (topics.length !== 2 || topics[0] !== HEAD_ANCHORED_TOPIC) continue;
    if (String(log.address).toLowerCase() !== registry.toLowerCase()) continue;
    const [treeSize, root, statementHash] = words(log.data ?? "");
    if (statementHash === undefined) continue;
    return { seq: BigInt(`0x${topics[1]}`), treeSize: BigInt(`0x${treeSize}`), root, statementHash };
  }
  return null;
}
