// Trust policy files (c2sp.org/tlog-policy plus `registry <chain-id> <address>` lines), read
// as anchor_service/tlog/policy.py reads them: the same lines accepted, the same errors with
// the same words ("line N: reason"), so a policy the CLI takes is one this page takes.
//
//   log example.com/log+5a2e9f07+AV8...            a log key (Ed25519, 0x01) [URL]
//   witness X1 w1.example+2c7e31a4+BPa...          a named witness key (0x04) [URL]
//   group X-witnesses any X1 X2                    any | all | k of the members
//   registry 1 0x5FbDB2315678afecb367f032d93F642f64180aa3
//   quorum X-witnesses                             a witness, a group, or none
//
// Key IDs are checked with the browser's SHA-256 (so parsing is async). Registries come
// back as {chainId: BigInt, address: "0x" + 40 lower-case hex digits}.

import { sha256 } from "./merkle.js";

export const QUORUM_NONE = "none";
const ED25519 = 0x01;
const COSIGNATURE_V1 = 0x04;
const FIELDS = /[^ \t]+/g;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const HEX_ID = /^[0-9a-fA-F]{8}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Unicode White_Space: the runes Go's unicode.IsSpace reports (encoding.py's _WHITE_SPACE).
const WHITE_SPACE = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** A policy file is invalid; `line` is 1-based, or null for the whole file. */
export class PolicyFileError extends Error {
  constructor(reason, line = null) {
    super(line === null ? reason : `line ${line}: ${reason}`);
    this.name = "PolicyFileError";
    this.reason = reason;
    this.line = line;
  }
}

class MalformedKeyError extends Error {}

/** A string as Python's repr() shows it (the Python parser's messages use it). */
export function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0);
    if (char === "\\" || char === quote) out += `\\${char}`;
    else if (char === "\t") out += "\\t";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) {
      out += `\\x${code.toString(16).padStart(2, "0")}`;
    } else out += char;
  }
  return quote + out + quote;
}

function decodeBase64(text) {
  if (!BASE64.test(text)) throw new Error("not standard padded base64");
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function isValidName(name) {
  return name !== "" && !name.includes("+") && !WHITE_SPACE.test(name) && !LONE_SURROGATE.test(name);
}

async function keyId(name, keyType, publicKey) {
  const nameBytes = new TextEncoder().encode(name);
  const message = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  message.set(nameBytes);
  message[nameBytes.length] = 0x0a;
  message[nameBytes.length + 1] = keyType;
  message.set(publicKey, nameBytes.length + 2);
  const digest = await sha256(message);
  return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
}

/** keys.py parse_verifier_key: name+hex(id)+base64(type || key), Go's error texts. */
async function parseVerifierKey(vkey) {
  const [name, rest = ""] = partition(vkey);
  const [hexId, material = ""] = partition(rest);
  let key;
  try {
    key = decodeBase64(material);
  } catch {
    key = new Uint8Array();
  }
  if (!HEX_ID.test(hexId) || !isValidName(name) || key.length === 0) {
    throw new MalformedKeyError("malformed verifier id");
  }
  const parsed = { name, keyType: key[0], publicKey: key.slice(1) };
  if (Number.parseInt(hexId, 16) !== (await keyId(name, parsed.keyType, parsed.publicKey))) {
    throw new MalformedKeyError("invalid verifier hash");
  }
  return parsed;
}

function partition(text) {
  const at = text.indexOf("+");
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** encoding.py parse_decimal: ASCII decimal, no leading zeroes, below 2**bits. */
function parseDecimal(text, bits) {
  if (!DECIMAL.test(text)) throw new PolicyFileError(`${pyRepr(text)} is not a decimal with no leading zeroes`);
  const value = BigInt(text);
  if (value >= 1n << BigInt(bits)) throw new PolicyFileError(`${text} does not fit in ${bits} bits`);
  return value;
}

/** urllib.parse.urlsplit's refusal of an unbalanced IPv6 bracket, the one policy.py meets. */
function checkUrl(url) {
  if (url === undefined) return null;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url);
  const rest = scheme ? url.slice(scheme[0].length) : url;
  if (rest.startsWith("//")) {
    const netloc = rest.slice(2).split(/[/?#]/, 1)[0];
    if (netloc.includes("[") !== netloc.includes("]")) throw new PolicyFileError("Invalid IPv6 URL");
  }
  return url;
}

class Parser {
  constructor() {
    this.logs = [];
    this.witnesses = [];
    this.groups = [];
    this.registries = [];
    this.quorum = null;
    this.defined = new Set();
    this.members = new Set();
  }

  async parseLine(fields) {
    const [keyword, ...args] = fields;
    if (keyword === "log" && (args.length === 1 || args.length === 2)) await this.log(...args);
    else if (keyword === "witness" && (args.length === 2 || args.length === 3)) await this.witness(...args);
    else if (keyword === "group" && args.length >= 3) this.group(args[0], args[1], args.slice(2));
    else if (keyword === "quorum" && args.length === 1) this.setQuorum(args[0]);
    else if (keyword === "registry" && args.length === 2) this.registry(...args);
    else if (["log", "witness", "group", "quorum", "registry"].includes(keyword)) {
      throw new PolicyFileError(`wrong number of fields in a ${keyword} line`);
    } else throw new PolicyFileError(`unknown keyword ${pyRepr(keyword)}`);
  }

  async log(vkey, url) {
    let key;
    try {
      key = await parseVerifierKey(vkey);
      if (key.keyType !== ED25519) throw new MalformedKeyError("unknown verifier algorithm");
      if (key.publicKey.length !== 32) throw new MalformedKeyError("malformed verifier id");
    } catch (error) {
      if (!(error instanceof MalformedKeyError)) throw error;
      throw new PolicyFileError(`invalid log key ${vkey}: ${error.message}`);
    }
    if (this.logs.some((log) => sameBytes(log.publicKey, key.publicKey))) {
      throw new PolicyFileError(`duplicate log public key ${vkey}`);
    }
    this.logs.push({ name: key.name, publicKey: key.publicKey, vkey, url: checkUrl(url) });
  }

  async witness(name, vkey, url) {
    this.newName(name);
    let key;
    try {
      key = await parseVerifierKey(vkey);
      if (key.keyType !== COSIGNATURE_V1) {
        const type = key.keyType.toString(16).padStart(2, "0");
        throw new PolicyFileError(`witness key ${vkey} has type 0x${type}, not a cosignature key type`);
      }
      if (key.publicKey.length !== 32) throw new MalformedKeyError("malformed verifier id");
    } catch (error) {
      if (!(error instanceof MalformedKeyError)) throw error;
      throw new PolicyFileError(`invalid witness key ${vkey}: ${error.message}`);
    }
    if (this.witnesses.some((witness) => sameBytes(witness.publicKey, key.publicKey))) {
      throw new PolicyFileError(`duplicate witness public key ${vkey}`);
    }
    this.witnesses.push({ name, keyName: key.name, publicKey: key.publicKey, vkey, url: checkUrl(url) });
    this.defined.add(name);
  }

  group(name, threshold, members) {
    this.newName(name);
    let k;
    if (threshold === "any") k = 1n;
    else if (threshold === "all") k = BigInt(members.length);
    else if (/^[0-9]+$/.test(threshold)) k = BigInt(threshold);
    else throw new PolicyFileError(`invalid threshold ${pyRepr(threshold)} for group ${pyRepr(name)}`);
    if (k < 1n || k > BigInt(members.length)) {
      throw new PolicyFileError(`threshold ${k} for group ${pyRepr(name)} outside [1, ${members.length}]`);
    }
    for (const member of members) {
      if (!this.defined.has(member)) {
        throw new PolicyFileError(`unknown member ${pyRepr(member)} in group ${pyRepr(name)}`);
      }
      if (this.members.has(member)) {
        throw new PolicyFileError(`${pyRepr(member)} is listed as a group member more than once`);
      }
      this.members.add(member);
    }
    this.groups.push({ name, threshold: Number(k), members });
    this.defined.add(name);
  }

  setQuorum(name) {
    if (this.quorum !== null) throw new PolicyFileError("the policy must have exactly one quorum line");
    if (name !== QUORUM_NONE && !this.defined.has(name)) {
      throw new PolicyFileError(`quorum ${pyRepr(name)} is not defined on a preceding line`);
    }
    this.quorum = name;
  }

  registry(chainId, address) {
    const chain = parseDecimal(chainId, 256);
    if (chain === 0n) throw new PolicyFileError("chain ID 0 is not a chain");
    if (!ADDRESS.test(address)) {
      throw new PolicyFileError(`${pyRepr(address)} is not a 0x-prefixed 20-byte hex address`);
    }
    const registry = { chainId: chain, address: address.toLowerCase() };
    if (this.registries.some((r) => r.chainId === chain && r.address === registry.address)) {
      throw new PolicyFileError(`duplicate registry ${chain} ${registry.address}`);
    }
    this.registries.push(registry);
  }

  newName(name) {
    if (name === QUORUM_NONE) throw new PolicyFileError(`the name ${pyRepr(QUORUM_NONE)} is reserved`);
    if (this.defined.has(name)) throw new PolicyFileError(`duplicate name ${pyRepr(name)}`);
  }
}

/** Parse and validate a policy; throws PolicyFileError naming the line. */
export async function parsePolicy(text) {
  const raw = new TextEncoder().encode(text);
  for (let offset = 0; offset < raw.length; offset++) {
    const octet = raw[offset];
    if ((octet < 0x20 && octet !== 0x09 && octet !== 0x0a) || octet === 0x7f) {
      let line = 1;
      for (let i = 0; i < offset; i++) if (raw[i] === 0x0a) line++;
      const hex = octet.toString(16).padStart(2, "0");
      throw new PolicyFileError(`invalid octet 0x${hex} at offset ${offset}`, line);
    }
  }
  const parser = new Parser();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].match(FIELDS) ?? [];
    if (fields.length && !fields[0].startsWith("#")) {
      try {
        await parser.parseLine(fields);
      } catch (error) {
        if (error instanceof PolicyFileError) throw new PolicyFileError(error.reason, i + 1);
        throw error;
      }
    }
  }
  if (parser.quorum === null) throw new PolicyFileError("the policy must have exactly one quorum line");
  return {
    logs: parser.logs,
    witnesses: parser.witnesses,
    groups: parser.groups,
    quorum: parser.quorum,
    registries: parser.registries,
  };
}
