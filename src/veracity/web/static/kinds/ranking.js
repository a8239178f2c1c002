// ranking: the responses as cards in the item panel, best first. A digit picks the card at
// that place; ↑ / ↓ (or K / J) move the picked card; cards can also be dragged.
import { el, frame } from "../widgets.js";
import { markdown } from "../markdown.js";
import { keysOf, label, responses } from "./item_texts.js";

export function ranking(field, data = {}) {
  const fieldset = frame(field, "1–9 pick · ↑ ↓ move");
  fieldset.setAttribute("tabindex", "-1");
  const offered = responses(data, field.responses) ?? [];
  const summary = el("ol", { class: "rank-summary", "aria-label": `${field.name} order` });
  fieldset.append(summary);
  if (!offered.length) fieldset.append(el("p", { class: "hint" }, "This item has no responses to rank."));

  const view = el("ol", { class: "ranked", "data-field": field.name });
  const cards = new Map();
  for (const [key, text] of offered) {
    const card = el("li", { class: "response-card rank-card", draggable: "true", "data-response": key, tabindex: "-1" });
    const head = el("div", { class: "rank-head" });
    head.append(el("span", { class: "rank-place" }), el("h3", { class: "response-name" }, `Response ${label(key)}`));
    card.append(head, markdown(text));
    cards.set(key, card);
    view.append(card);
  }
  let picked = offered.length ? 0 : -1;

  const order = () => [...view.children].map((c) => c.dataset.response);
  const draw = () => {
    const keys = order();
    summary.replaceChildren(...keys.map((k, i) => {
      const li = el("li", { "data-response": k }, `Response ${label(k)}`);
      if (i === picked) li.classList.add("picked");
      return li;
    }));
    [...view.children].forEach((card, i) => {
      card.querySelector(".rank-place").textContent = String(i + 1);
      card.classList.toggle("picked", i === picked);
    });
    view.dataset.order = keys.join(",");
  };
  const moveTo = (from, to) => {
    const n = view.children.length;
    if (from < 0 || to < 0 || from >= n || to >= n || from === to) return;
    const card = view.children[from];
    const anchor = view.children[to];
    if (to > from) anchor.after(card);
    else anchor.before(card);
    picked = to;
    draw();
  };

  // Dragging a card onto another puts it in that card's place.
  let dragged = null;
  view.addEventListener("dragstart", (event) => {
    dragged = event.target.closest(".rank-card");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged?.dataset.response ?? "");
  });
  view.addEventListener("dragover", (event) => {
    if (dragged) event.preventDefault();
  });
  view.addEventListener("drop", (event) => {
    event.preventDefault();
    const target = event.target.closest(".rank-card");
    if (!dragged || !target) return;
    const cardsNow = [...view.children];
    moveTo(cardsNow.indexOf(dragged), cardsNow.indexOf(target));
    dragged = null;
  });
  view.addEventListener("dragend", () => { dragged = null; });
  view.addEventListener("click", (event) => {
    const card = event.target.closest(".rank-card");
    if (!card) return;
    picked = [...view.children].indexOf(card);
    draw();
  });
  draw();

  return {
    element: fieldset,
    view,
    context: keysOf(field.prompt),
    uses: keysOf(field.responses),
    typing: false,
    value: () => (offered.length ? order() : null),
    set: (v) => {
      if (!Array.isArray(v)) return;
      for (const key of v) if (cards.has(key)) view.append(cards.get(key));
      draw();
    },
    key: (k) => {
      if (/^[1-9]$/.test(k) && Number(k) <= view.children.length) {
        picked = Number(k) - 1;
        draw();
        return true;
      }
      if (k === "ArrowUp" || k === "k" || k === "K") {
        moveTo(picked, picked - 1);
        return true;
      }
      if (k === "ArrowDown" || k === "j" || k === "J") {
        moveTo(picked, picked + 1);
        return true;
      }
      return false;
    },
    focus: () => fieldset.focus(),
  };
}
