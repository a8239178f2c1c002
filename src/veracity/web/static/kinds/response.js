// response: the ideal reply, written in a text box; the prompt or conversation is shown as a
// chat in the item panel. A conversation that ends with an assistant turn is a rewrite: the
// box starts from that turn (or from the field's draft). A preview of the reply, as
// Markdown, follows the conversation in the item panel.
import { el, frame } from "../widgets.js";
import { markdown } from "../markdown.js";
import { conversation, keysOf } from "./item_texts.js";

export function response(field, data = {}) {
  const fieldset = frame(field, "type; Ctrl+Enter submits");
  const box = el("textarea", {
    name: field.name, rows: "10", maxlength: String(field.max_length), "aria-label": field.name,
    class: "response-editor", placeholder: "Write the reply the assistant should give (Markdown).",
  });
  const messages = conversation(data, field.prompt) ?? [];
  const last = messages[messages.length - 1];
  let draft = "";
  if (field.draft && typeof data[field.draft] === "string") draft = data[field.draft];
  else if (last?.role === "assistant") draft = last.content;
  box.value = draft;
  if (last?.role === "assistant") fieldset.append(el("p", { class: "hint" }, "Rewrite the last assistant turn."));
  const count = el("p", { class: "hint count" });
  // The reply as it will read, under the conversation: the next assistant turn.
  const view = el("section", { class: "response-preview", "data-field": field.name });
  const recount = () => {
    count.textContent = `${box.value.trim().length} / ${field.max_length} characters`;
    view.replaceChildren(el("h3", { class: "response-name" }, "Your reply (preview)"), markdown(box.value));
  };
  box.addEventListener("input", recount);
  recount();
  fieldset.append(box, count);
  return {
    element: fieldset,
    view,
    context: keysOf(field.prompt),
    uses: keysOf(field.draft),
    typing: true,
    value: () => (box.value.trim() ? box.value : null),
    set: (v) => { box.value = v ?? ""; recount(); },
    key: () => false,
    focus: () => box.focus(),
  };
}
