// Reading the texts a generative-AI field points at in the item's data: the same rules as
// veracity/domain/schema_kinds/item_texts.py (a prompt is a string or a conversation;
// responses are a list of data keys, or one key holding a list, keyed a, b, c…, or an object).
import { isConversation } from "../markdown.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

export function responses(data, spec) {
  if (Array.isArray(spec)) {
    if (!spec.every((k) => typeof data[k] === "string")) return null;
    return spec.map((k) => [k, data[k]]);
  }
  const raw = data[spec];
  if (Array.isArray(raw) && raw.length && raw.length <= LETTERS.length && raw.every((t) => typeof t === "string")) {
    return raw.map((t, i) => [LETTERS[i], t]);
  }
  if (raw && typeof raw === "object" && !Array.isArray(raw) && Object.values(raw).every((t) => typeof t === "string")) {
    return Object.entries(raw);
  }
  return null;
}

export function conversation(data, key) {
  if (key === null || key === undefined) return null;
  const raw = data[key];
  if (typeof raw === "string") return [{ role: "user", content: raw }];
  return isConversation(raw) ? raw : null;
}

export function steps(data, key) {
  let raw = data[key];
  if (raw && typeof raw === "object" && !Array.isArray(raw)) raw = raw.steps;
  return Array.isArray(raw) && raw.length && raw.every((s) => typeof s === "string") ? raw : null;
}

// The data keys a field's settings name, for the item panel: shown as context, or not at all.
export function keysOf(spec) {
  if (spec === null || spec === undefined) return [];
  return Array.isArray(spec) ? spec : [spec];
}

// A response key as a person reads it: "a" -> "A", "response_b" stays as it is.
export function label(key) {
  return key.length === 1 ? key.toUpperCase() : key;
}
