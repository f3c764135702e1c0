// Strict JSON reading (RFC 8259) for proof bundles, as strict as the Python verifier's.
//
// JSON.parse is not used because it silently accepts what the verifier refuses and loses
// what the checks need:
// - duplicate keys (JSON.parse keeps the last one; parsers disagree, so they are refused);
// - number literals (JSON.parse rounds 2^53+1 to a double; here every number keeps its
//   literal text, so integers are exact and canonical JSON can refuse unsafe ones);
// - nesting deeper than MAX_DEPTH (refused, as the Python side does).
//
// Values: objects are Map (key order as written), arrays are Array, strings are string
// (lone surrogates allowed here, refused by jcs.js), numbers are JsonNumber, and
// true / false / null are themselves.

export const MAX_DEPTH = 200;

/** A JSON number, kept as its literal text. */
export class JsonNumber {
  constructor(text) {
    this.text = text;
    Object.freeze(this);
  }

  /** Written without a fraction or an exponent. */
  get isInteger() {
    return !/[.eE]/.test(this.text);
  }

  /** The exact value of an integer literal. */
  toBigInt() {
    return BigInt(this.text);
  }

  /** The nearest double (what JSON.parse would give). */
  toNumber() {
    return Number(this.text);
  }
}

/** The text is not JSON; `message` says what and where (line and column, 1-based). */
export class JsonSyntaxError extends Error {
  constructor(reason, text, offset) {
    const { line, column } = position(text, offset);
    super(`${reason} at line ${line}, column ${column}`);
    this.name = "JsonSyntaxError";
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

function position(text, offset) {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** Parse `text` as one JSON value; throws JsonSyntaxError. */
export function parseJson(text) {
  let at = 0;

  const fail = (reason, offset = at) => {
    throw new JsonSyntaxError(reason, text, offset);
  };
  const describe = (offset) => {
    if (offset >= text.length) return "unexpected end of the text";
    const ch = String.fromCodePoint(text.codePointAt(offset));
    return `unexpected character ${JSON.stringify(ch)}`;
  };
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at++;
      else return;
    }
  };
  const expect = (ch) => {
    if (text[at] !== ch) fail(`${describe(at)}, expected ${JSON.stringify(ch)}`);
    at++;
  };

  const parseString = () => {
    const open = at;
    at++; // the opening quote
    let out = "";
    let run = at;
    for (;;) {
      if (at >= text.length) fail("unterminated string", open);
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(run, at);
        at++;
        return out;
      }
      if (c < 0x20) fail("control character in a string (escape it)");
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(run, at);
      const kind = text[at + 1];
      if (kind === "u") {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("invalid \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        at += 6;
      } else if (kind !== undefined && Object.hasOwn(ESCAPES, kind)) {
        out += ESCAPES[kind];
        at += 2;
      } else {
        fail("invalid escape in a string");
      }
      run = at;
    }
  };

  const parseValue = (depth) => {
    skipSpace();
    const ch = text[at];
    if (ch === "{" || ch === "[") {
      if (depth >= MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      return ch === "{" ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (ch === '"') return parseString();
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      NUMBER.lastIndex = at;
      const match = NUMBER.exec(text);
      if (match === null) fail("invalid number");
      at += match[0].length;
      return new JsonNumber(match[0]);
    }
    for (const [word, value] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    return fail(describe(at));
  };

  const parseObject = (depth) => {
    const result = new Map();
    at++;
    skipSpace();
    if (text[at] === "}") {
      at++;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[at] !== '"') fail(`${describe(at)}, expected a key in double quotes`);
      const keyAt = at;
      const key = parseString();
      if (result.has(key)) {
        fail(`duplicate key ${JSON.stringify(key)} in a JSON object`, keyAt);
      }
      skipSpace();
      expect(":");
      result.set(key, parseValue(depth));
      skipSpace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "}") {
        at++;
        return result;
      }
      fail(`${describe(at)}, expected "," or "}"`);
    }
  };

  const parseArray = (depth) => {
    const result = [];
    at++;
    skipSpace();
    if (text[at] === "]") {
      at++;
      return result;
    }
    for (;;) {
      result.push(parseValue(depth));
      skipSpace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "]") {
        at++;
        return result;
      }
      fail(`${describe(at)}, expected "," or "]"`);
    }
  };

  if (text.charCodeAt(0) === 0xfeff) fail("the text starts with a byte order mark (U+FEFF)", 0);
  skipSpace();
  if (at >= text.length) fail("the text is empty");
  const value = parseValue(0);
  skipSpace();
  if (at < text.length) fail(`${describe(at)} after the JSON value`);
  return value;
}
