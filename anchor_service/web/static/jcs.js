// RFC 8785 JSON Canonicalization Scheme (JCS) over the values json.js reads.
//
// The rules, all of them implemented here:
// - no whitespace; object members sorted by key, comparing keys as arrays of UTF-16 code
//   units (what Array.prototype.sort does with strings);
// - strings escaped as ECMAScript's JSON.stringify does: \" \\ \b \f \n \r \t, other
//   characters below U+0020 as \u00xx (lower-case hex), everything else literal;
// - numbers serialised as ECMAScript's Number-to-String (JSON.stringify of a double:
//   shortest round-trip digits, exponent from 1e21 up and below 1e-6, -0 as 0).
// Restrictions, the same as the Python side (anchor_service.ledger.jcs / rfc8785):
// - an integer literal must lie within +-(2^53-1), the integers a double holds exactly;
//   beyond, the canonical form would change the value, so it is refused (the service
//   stores amounts as strings for this reason, and refuses such metadata);
// - numbers must be finite (1e400 is refused);
// - strings and keys must be well-formed UTF-16 (a lone surrogate is refused).
// The output is UTF-8 (canonicalBytes).

import { JsonNumber } from "./json.js";

const MAX_SAFE = 2n ** 53n - 1n;

/** A value JCS cannot represent; `message` says which. */
export class CanonicalizationError extends Error {
  constructor(message) {
    super(message);
    this.name = "CanonicalizationError";
  }
}

/** The canonical JSON text of `value` (a value from parseJson). */
export function canonicalize(value) {
  const parts = [];
  write(value, parts);
  return parts.join("");
}

/** The canonical JSON of `value` as UTF-8 bytes: the leaf bytes of an entry. */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}

function write(value, parts) {
  if (value === null || value === true || value === false) {
    parts.push(String(value));
  } else if (typeof value === "string") {
    parts.push(quote(value));
  } else if (value instanceof JsonNumber) {
    parts.push(number(value));
  } else if (Array.isArray(value)) {
    parts.push("[");
    value.forEach((item, i) => {
      if (i > 0) parts.push(",");
      write(item, parts);
    });
    parts.push("]");
  } else if (value instanceof Map) {
    parts.push("{");
    [...value.keys()].sort().forEach((key, i) => {
      if (i > 0) parts.push(",");
      parts.push(quote(key), ":");
      write(value.get(key), parts);
    });
    parts.push("}");
  } else {
    throw new CanonicalizationError(`not a JSON value: ${Object.prototype.toString.call(value)}`);
  }
}

function quote(text) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
      } else {
        const hex = c.toString(16).padStart(4, "0");
        throw new CanonicalizationError(`a string holds a lone surrogate (\\u${hex}): not UTF-8`);
      }
    }
  }
  return JSON.stringify(text);
}

function number(value) {
  if (value.isInteger) {
    const exact = value.toBigInt();
    if (exact > MAX_SAFE || exact < -MAX_SAFE) {
      throw new CanonicalizationError(
        `integer ${value.text} is beyond +-(2^53-1), which JSON numbers cannot hold exactly`,
      );
    }
  }
  const double = value.toNumber();
  if (!Number.isFinite(double)) {
    throw new CanonicalizationError(`number ${value.text} is not finite as a double`);
  }
  return JSON.stringify(double);
}
