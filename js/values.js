// Small checks on JS values that every module uses: plain objects, type names for messages, UUID
// spellings. Imports nothing, so any module (errors.js included) can use it.

/** An object literal (or a null-prototype object), not an array, class instance or Map. */
export function isPlainObject(v) {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** What to call a value in an error message: "null", "array", a class name or the typeof. */
export function typeName(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return v.constructor?.name ?? "object";
  return typeof v;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A hyphenated 8-4-4-4-12 UUID in either letter case, lower-cased; else null. */
export function canonicalUuidOf(v) {
  return typeof v === "string" && CANONICAL_UUID.test(v.toLowerCase()) ? v.toLowerCase() : null;
}

/** Any usual spelling of a UUID (braces, `urn:uuid:`, no hyphens, any case) as canonical; else null. */
export function uuidFromAnySpelling(v) {
  if (typeof v !== "string") return null;
  let s = v.trim();
  if (/^urn:uuid:/i.test(s)) s = s.slice(9);
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  if (!ANY_UUID.test(s)) return null;
  const h = s.replace(/-/g, "").toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
