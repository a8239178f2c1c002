// step_review: the solution's steps in the item panel, each with its rating. C, I and N rate
// the highlighted step (correct, incorrect, neutral) and move to the next; ↑ / ↓ (or K / J)
// move between steps. The first error is the first step rated incorrect.
import { el, frame } from "../widgets.js";
import { markdown } from "../markdown.js";
import { keysOf, steps as stepsOf } from "./item_texts.js";

const RATINGS = [["correct", "c", "✓ correct"], ["incorrect", "i", "✗ incorrect"], ["neutral", "n", "~ neutral"]];

export function stepReview(field, data = {}) {
  const fieldset = frame(field, "C correct · I incorrect · N neutral · ↑ ↓ steps");
  fieldset.setAttribute("tabindex", "-1");
  const solution = stepsOf(data, field.solution) ?? [];
  const status = el("p", { class: "first-error", "aria-live": "polite" });
  fieldset.append(status);
  const view = el("ol", { class: "review-steps", "data-field": field.name });
  const rows = solution.map((text, i) => {
    const li = el("li", { class: "review-step", "data-step": String(i) });
    const body = el("div", { class: "review-text" });
    body.append(markdown(text));
    const group = el("div", { class: "options", role: "radiogroup", "aria-label": `step ${i + 1} rating` });
    const inputs = RATINGS.map(([value, key, text]) => {
      const id = `f-${field.name}-${i}-${value}`;
      const label = el("label", { class: `option rate-${value}`, for: id });
      const input = el("input", { type: "radio", id, name: `${field.name}-${i}`, value });
      input.dataset.key = key;
      label.append(input, el("span", { class: "option-text" }, text), el("kbd", {}, key.toUpperCase()));
      group.append(label);
      input.addEventListener("change", () => update());
      input.addEventListener("focus", () => { current = i; update(); });
      return input;
    });
    li.append(el("span", { class: "step-number" }, String(i + 1)), body, group);
    view.append(li);
    return { li, inputs };
  });
  let current = 0;
  const answer = data[field.solution]?.answer;
  if (typeof answer === "string") {
    fieldset.append(el("p", { class: "hint" }, `The solution's final answer: ${answer}`));
  }

  const ratings = () => rows.map(({ inputs }) => inputs.find((i) => i.checked)?.value ?? null);
  function update() {
    rows.forEach(({ li }, i) => li.classList.toggle("current", i === current));
    const given = ratings();
    rows.forEach(({ li }, i) => { li.dataset.rating = given[i] ?? ""; });
    const first = given.indexOf("incorrect");
    const done = given.filter(Boolean).length;
    status.textContent = `${done} of ${rows.length} steps rated · first error: ${first < 0 ? "none" : `step ${first + 1}`}`;
    rows.forEach(({ li }, i) => li.classList.toggle("first-error-step", i === first));
  }
  update();

  return {
    element: fieldset,
    view,
    context: keysOf(field.prompt),
    uses: [field.solution],
    typing: false,
    value: () => {
      const given = ratings();
      if (!given.some(Boolean)) return null;
      // An unrated step is sent as null: the server names it, so nothing is guessed.
      return { ratings: given };
    },
    set: (v) => {
      rows.forEach(({ inputs }, i) => inputs.forEach((input) => { input.checked = input.value === v?.ratings?.[i]; }));
      update();
    },
    key: (k) => {
      if (!rows.length) return false;
      const lower = k.toLowerCase();
      if (k === "ArrowUp" || k === "ArrowDown" || lower === "j" || lower === "k") {
        const down = k === "ArrowDown" || lower === "j";
        current = Math.min(rows.length - 1, Math.max(0, current + (down ? 1 : -1)));
        rows[current].li.scrollIntoView({ block: "nearest" });
        update();
        return true;
      }
      const input = rows[current].inputs.find((i) => i.dataset.key === lower);
      if (!input || k.length !== 1) return false;
      input.checked = true;
      if (current < rows.length - 1) current += 1;
      rows[current].li.scrollIntoView({ block: "nearest" });
      update();
      return true;
    },
    focus: () => fieldset.focus(),
  };
}
