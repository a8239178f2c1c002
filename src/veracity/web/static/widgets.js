// One widget per label kind. Each takes its field and returns an object with:
//   element   the DOM to show (a <fieldset class="field">),
//   value()   the current answer (or null when empty),
//   set(v)    show a given answer (a model suggestion),
//   key(k)    handle key k ("0".."9") while the field is active; return true if used,
//   focus()   put the keyboard in the field,
//   typing    true when the field takes typed text (letter keys belong to it).
// and, for kinds that show part of the item themselves (the generative-AI kinds, in kinds/):
//   view      a DOM node for the item panel (responses side by side, ranked cards…), or null,
//   context   data keys shown first in the item panel as the prompt (a chat for conversations),
//   uses      data keys the widget shows itself (left out of the item's data list).
// key(k) gets any key the page does not use itself (digits, letters, arrows).
// Each factory is called as factory(field, itemData) for the item on screen.
// Text from task data and schemas is always set with textContent, never as HTML.
import { pairwise } from "./kinds/pairwise.js";
import { ranking } from "./kinds/ranking.js";
import { reasoning } from "./kinds/reasoning.js";
import { response } from "./kinds/response.js";
import { rubric } from "./kinds/rubric.js";
import { stepReview } from "./kinds/step_review.js";

export function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

export function frame(field, hint) {
  const fieldset = el("fieldset", { class: "field", "data-field": field.name, "data-kind": field.kind });
  const legend = el("legend");
  legend.append(el("span", { class: "field-name" }, field.name));
  if (!field.required) legend.append(el("span", { class: "optional" }, "optional"));
  if (hint) legend.append(el("span", { class: "field-hint" }, hint));
  fieldset.append(legend);
  if (field.description) fieldset.append(el("p", { class: "hint" }, field.description));
  return fieldset;
}

// The number key for the i-th option: 1-9, then 0 for the tenth; later options have none.
export function indexKey(i) {
  if (i < 9) return String(i + 1);
  return i === 9 ? "0" : null;
}

function options(field, choices, type, keyOf, hint) {
  const fieldset = frame(field, hint);
  const list = el("div", { class: "options" });
  const inputs = choices.map((choice, i) => {
    const id = `f-${field.name}-${i}`;
    const label = el("label", { class: "option", for: id });
    const input = el("input", { type, id, name: field.name, value: String(choice) });
    const key = keyOf(choice, i);
    if (key !== null) input.dataset.key = key;
    label.append(input, el("span", { class: "option-text" }, String(choice)));
    // A key that reads the same as its option (a score of 3 under key 3) is not repeated.
    if (key !== null && key !== String(choice)) label.append(el("kbd", {}, key));
    if (key !== null && key === String(choice)) label.classList.add("option-is-key");
    list.append(label);
    return input;
  });
  fieldset.append(list);
  const byKey = (k) => inputs.find((input) => input.dataset.key === k);
  return { fieldset, inputs, byKey };
}

function single(field, choices, keyOf, parse, hint) {
  const { fieldset, inputs, byKey } = options(field, choices, "radio", keyOf, hint);
  return {
    element: fieldset,
    typing: false,
    value: () => { const c = inputs.find((i) => i.checked); return c ? parse(c.value) : null; },
    set: (v) => inputs.forEach((i) => { i.checked = parse(i.value) === v; }),
    key: (k) => {
      const input = byKey(k);
      if (!input) return false;
      input.checked = true;
      input.focus();
      return true;
    },
    focus: () => (inputs.find((i) => i.checked) ?? inputs[0]).focus(),
  };
}

function choice(field) {
  return single(field, field.options, (_, i) => indexKey(i), (v) => v, "pick one");
}

function rating(field) {
  const steps = [];
  for (let v = field.min; v <= field.max; v += 1) steps.push(v);
  // On a scale that fits the digits (0-5, 1-10 is not), the key is the score itself.
  const digits = field.min >= 0 && field.max <= 9;
  const keyOf = digits ? (v) => String(v) : (_, i) => indexKey(i);
  const hint = digits ? `press ${field.min}–${field.max}` : `${field.min} to ${field.max}`;
  const widget = single(field, steps, keyOf, Number, hint);
  if (field.min_label || field.max_label) {
    const ends = `${field.min} = ${field.min_label || "lowest"} · ${field.max} = ${field.max_label || "highest"}`;
    widget.element.append(el("p", { class: "hint scale" }, ends));
  }
  return widget;
}

function multiChoice(field) {
  const { fieldset, inputs, byKey } = options(field, field.options, "checkbox", (_, i) => indexKey(i), "pick any");
  return {
    element: fieldset,
    typing: false,
    value: () => {
      const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
      return chosen.length || field.required ? chosen : null;
    },
    set: (v) => inputs.forEach((i) => { i.checked = Array.isArray(v) && v.includes(i.value); }),
    key: (k) => {
      const input = byKey(k);
      if (!input) return false;
      input.checked = !input.checked;
      input.focus();
      return true;
    },
    focus: () => inputs[0].focus(),
  };
}

function text(field) {
  const hint = field.multiline ? "type; Ctrl+Enter submits" : "type; Enter submits";
  const fieldset = frame(field, hint);
  const attrs = { name: field.name, maxlength: String(field.max_length), "aria-label": field.name };
  const input = field.multiline
    ? el("textarea", { ...attrs, rows: "3" })
    : el("input", { ...attrs, type: "text" });
  fieldset.append(input);
  return {
    element: fieldset,
    typing: true,
    value: () => (input.value.trim() ? input.value : null),
    set: (v) => { input.value = v ?? ""; },
    key: () => false,
    focus: () => input.focus(),
  };
}

export const widgets = {
  choice, multi_choice: multiChoice, rating, text,
  pairwise, ranking, rubric, response, reasoning, step_review: stepReview,
};
