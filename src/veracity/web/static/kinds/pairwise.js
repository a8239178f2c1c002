// pairwise: two responses side by side in the item panel; 1 / 2 / 3 choose A, B or a tie,
// 4, 5, 6… the strength, R writes the rationale.
import { el, frame } from "../widgets.js";
import { markdown } from "../markdown.js";
import { keysOf } from "./item_texts.js";

const STRENGTH_KEYS = ["4", "5", "6", "7", "8", "9"];

function buttons(field, group, entries) {
  const row = el("div", { class: "options", role: "radiogroup", "aria-label": group });
  const inputs = entries.map(([value, text, key]) => {
    const id = `f-${field.name}-${group}-${value}`;
    const label = el("label", { class: "option", for: id });
    const input = el("input", { type: "radio", id, name: `${field.name}-${group}`, value: String(value) });
    input.dataset.key = key;
    label.append(input, el("span", { class: "option-text" }, text), el("kbd", {}, key));
    row.append(label);
    return input;
  });
  return { row, inputs };
}

export function pairwise(field, data = {}) {
  const [a, b] = field.responses;
  const hint = `1 A · 2 B${field.allow_tie ? " · 3 tie" : ""}${field.strengths.length ? " · then how much" : ""}`;
  const fieldset = frame(field, hint);
  const choices = [["a", "A is better", "1"], ["b", "B is better", "2"]];
  if (field.allow_tie) choices.push(["tie", "Tie", "3"]);
  const choice = buttons(field, "choice", choices);
  fieldset.append(choice.row);
  const strength = buttons(field, "strength",
    field.strengths.map((text, i) => [i + 1, text, STRENGTH_KEYS[i]]));
  if (field.strengths.length) fieldset.append(strength.row);
  let rationale = null;
  if (field.rationale !== "off") {
    rationale = el("textarea", {
      name: `${field.name}-rationale`, rows: "2", maxlength: String(field.rationale_max_length),
      "aria-label": `${field.name} rationale`,
      placeholder: field.rationale === "required" ? "Why? (required) — R to write here" : "Why? (optional) — R to write here",
    });
    fieldset.append(rationale);
  }

  // The two responses side by side, in the item panel.
  const view = el("div", { class: "pair", "data-field": field.name });
  for (const [key, name] of [[a, "A"], [b, "B"]]) {
    const card = el("section", { class: "response-card", "data-response": key });
    card.append(el("h3", { class: "response-name" }, `Response ${name}`));
    card.append(markdown(typeof data[key] === "string" ? data[key] : "(missing)"));
    view.append(card);
  }

  const syncStrength = () => {
    const chosen = choice.inputs.find((i) => i.checked)?.value;
    strength.row.classList.toggle("disabled", chosen === "tie");
    if (chosen === "tie") strength.inputs.forEach((i) => { i.checked = false; });
    view.dataset.choice = chosen ?? "";
  };
  choice.inputs.forEach((i) => i.addEventListener("change", syncStrength));
  strength.inputs.forEach((i) => i.addEventListener("change", () => {
    if (choice.inputs.find((c) => c.checked)?.value === "tie") i.checked = false;
  }));

  return {
    element: fieldset,
    view,
    context: keysOf(field.prompt),
    uses: [a, b],
    typing: false,
    value: () => {
      const picked = choice.inputs.find((i) => i.checked);
      if (!picked) return null;
      const s = strength.inputs.find((i) => i.checked);
      const answer = { choice: picked.value, strength: s ? Number(s.value) : null };
      if (rationale) answer.rationale = rationale.value;
      return answer;
    },
    set: (v) => {
      choice.inputs.forEach((i) => { i.checked = i.value === v?.choice; });
      strength.inputs.forEach((i) => { i.checked = Number(i.value) === v?.strength; });
      if (rationale) rationale.value = v?.rationale ?? "";
      syncStrength();
    },
    key: (k) => {
      if (rationale && (k === "r" || k === "R")) {
        rationale.focus();
        return true;
      }
      const input = [...choice.inputs, ...strength.inputs].find((i) => i.dataset.key === k);
      if (!input || (strength.inputs.includes(input) && view.dataset.choice === "tie")) return false;
      input.checked = true;
      input.focus();
      syncStrength();
      return true;
    },
    focus: () => (choice.inputs.find((i) => i.checked) ?? choice.inputs[0]).focus(),
  };
}
