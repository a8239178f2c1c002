// rubric: one row of scores per criterion. Digits score the highlighted row and move to the
// next one; ↑ / ↓ (or K / J) change rows. The response being scored is shown in the item
// panel. With per_turn, there is a group of rows for every assistant turn of the
// conversation (numbered as in the chat).
import { el, frame, indexKey } from "../widgets.js";
import { markdown } from "../markdown.js";
import { conversation, keysOf } from "./item_texts.js";

function criterionRow(field, c, prefix) {
  const row = el("div", { class: "criterion", "data-criterion": c.name });
  const head = el("div", { class: "criterion-head" });
  head.append(el("span", { class: "criterion-name" }, c.name));
  if (!c.required) head.append(el("span", { class: "optional" }, "optional"));
  if (c.description) head.append(el("span", { class: "hint" }, c.description));
  const list = el("div", { class: "options" });
  const digits = c.min >= 0 && c.max <= 9;
  const inputs = [];
  for (let v = c.min, i = 0; v <= c.max; v += 1, i += 1) {
    const id = `f-${field.name}-${prefix}${c.name}-${v}`;
    const label = el("label", { class: "option option-is-key", for: id });
    const input = el("input", { type: "radio", id, name: `${field.name}-${prefix}${c.name}`, value: String(v) });
    const key = digits ? String(v) : indexKey(i);
    if (key !== null) input.dataset.key = key;
    label.append(input, el("span", { class: "option-text" }, String(v)));
    if (key !== null && key !== String(v)) label.append(el("kbd", {}, key));
    list.append(label);
    inputs.push(input);
  }
  row.append(head, list);
  return { criterion: c, row, inputs };
}

export function rubric(field, data = {}) {
  const fieldset = frame(field, "digits score · ↑ ↓ rows");
  fieldset.setAttribute("tabindex", "-1");
  // Groups of rows: one per assistant turn (per_turn), else a single group.
  const turns = field.per_turn
    ? (conversation(data, field.prompt) ?? []).filter((m) => m.role === "assistant")
    : [null];
  if (field.per_turn && !turns.length) fieldset.append(el("p", { class: "hint" }, "This item has no assistant turns to score."));
  const groups = turns.map((turn, t) => {
    const box = el("div", { class: "criteria-group", "data-turn": String(t) });
    if (turn) {
      const excerpt = turn.content.length > 60 ? `${turn.content.slice(0, 60)}…` : turn.content;
      box.append(el("p", { class: "turn-head" }, `Turn ${t + 1}: ${excerpt}`));
    }
    const rows = field.criteria.map((c) => criterionRow(field, c, turn ? `${t}-` : ""));
    rows.forEach((r) => box.append(r.row));
    fieldset.append(box);
    return rows;
  });
  const rows = groups.flat();
  let current = 0;
  const highlight = () => rows.forEach((r, i) => r.row.classList.toggle("current", i === current));
  rows.forEach((r, i) => r.inputs.forEach((input) => input.addEventListener("focus", () => {
    current = i;
    highlight();
  })));
  highlight();

  let view = null;
  if (!field.per_turn && field.response && typeof data[field.response] === "string") {
    view = el("section", { class: "response-card", "data-field": field.name });
    view.append(el("h3", { class: "response-name" }, "Response to score"), markdown(data[field.response]));
  }

  const scoresOf = (group) => {
    const scores = {};
    for (const { criterion, inputs } of group) {
      const picked = inputs.find((i) => i.checked);
      if (picked) scores[criterion.name] = Number(picked.value);
    }
    return scores;
  };
  const focusRow = () => {
    if (rows.length) (rows[current].inputs.find((i) => i.checked) ?? rows[current].inputs[0]).focus();
  };

  return {
    element: fieldset,
    view,
    context: keysOf(field.prompt),
    uses: keysOf(field.response),
    typing: false,
    value: () => {
      const all = groups.map(scoresOf);
      if (!all.some((s) => Object.keys(s).length)) return null;
      return field.per_turn ? all : all[0];
    },
    set: (v) => groups.forEach((group, t) => {
      const scores = field.per_turn ? v?.[t] : v;
      group.forEach(({ criterion, inputs }) => inputs.forEach((i) => {
        i.checked = Number(i.value) === scores?.[criterion.name];
      }));
    }),
    key: (k) => {
      if (!rows.length) return false;
      if (k === "ArrowUp" || k === "k" || k === "K" || k === "ArrowDown" || k === "j" || k === "J") {
        const down = k === "ArrowDown" || k === "j" || k === "J";
        current = Math.min(rows.length - 1, Math.max(0, current + (down ? 1 : -1)));
        highlight();
        focusRow();
        return true;
      }
      const input = rows[current].inputs.find((i) => i.dataset.key === k);
      if (!input) return false;
      input.checked = true;
      if (current < rows.length - 1) current += 1;
      highlight();
      focusRow();
      return true;
    },
    focus: () => (rows.length ? focusRow() : fieldset.focus()),
  };
}
