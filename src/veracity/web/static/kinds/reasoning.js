// reasoning: an expert writes a solution step by step, then the final answer. In a step,
// Shift+Enter starts the next step, Alt+↑ / Alt+↓ move the step, Backspace in an empty step
// removes it, Tab goes to the next step (after the last, to the answer); the buttons do the
// same with the mouse.
import { el, frame } from "../widgets.js";
import { keysOf } from "./item_texts.js";

export function reasoning(field) {
  const fieldset = frame(field, "Shift+Enter new step · Alt+↑↓ move");
  const list = el("ol", { class: "steps-editor" });
  const add = el("button", { type: "button", class: "add-step", tabindex: "-1" }, "+ Add step");
  const answerLabel = el("label", { class: "answer-label" }, "Final answer");
  const answer = el("input", {
    type: "text", name: `${field.name}-answer`, maxlength: String(field.max_answer_length),
    "aria-label": `${field.name} final answer`,
  });
  answerLabel.append(answer);
  fieldset.append(list, add, answerLabel);

  const boxes = () => [...list.querySelectorAll("textarea")];
  const renumber = () => boxes().forEach((box, i) => box.setAttribute("aria-label", `step ${i + 1}`));

  function stepRow(text = "") {
    const li = el("li", { class: "step-row" });
    const box = el("textarea", { rows: "2", maxlength: String(field.max_step_length), class: "step-text" });
    box.value = text;
    const tools = el("span", { class: "step-tools" });
    // The buttons are for the mouse: Tab goes from step to step, then to the final answer.
    const tool = (title, label, text) => el("button", { type: "button", title, "aria-label": label, tabindex: "-1" }, text);
    const up = tool("Move up (Alt+↑)", "move step up", "↑");
    const down = tool("Move down (Alt+↓)", "move step down", "↓");
    const remove = tool("Remove step (Backspace in an empty step)", "remove step", "✕");
    tools.append(up, down, remove);
    li.append(box, tools);
    up.addEventListener("click", () => moveStep(li, -1));
    down.addEventListener("click", () => moveStep(li, 1));
    remove.addEventListener("click", () => removeStep(li));
    return li;
  }

  function addStep(after = null, text = "") {
    if (list.children.length >= field.max_steps) return null;
    const li = stepRow(text);
    if (after) after.after(li);
    else list.append(li);
    renumber();
    li.querySelector("textarea").focus();
    return li;
  }

  function moveStep(li, delta) {
    const sibling = delta < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    if (delta < 0) sibling.before(li);
    else sibling.after(li);
    renumber();
    li.querySelector("textarea").focus();
  }

  function removeStep(li) {
    const previous = li.previousElementSibling ?? li.nextElementSibling;
    if (list.children.length === 1) {
      li.querySelector("textarea").value = "";
      return;
    }
    li.remove();
    renumber();
    previous?.querySelector("textarea").focus();
  }

  add.addEventListener("click", () => addStep());
  // Tab and Shift+Tab stay inside the solution (steps, then the answer) and leave it only
  // from its ends, where the page moves to the next or previous field.
  fieldset.addEventListener("keydown", (event) => {
    if (event.key !== "Tab" || event.ctrlKey || event.altKey) return;
    const inside = [...boxes(), answer];
    const at = inside.indexOf(event.target);
    if (at < 0) return;
    const to = at + (event.shiftKey ? -1 : 1);
    if (to < 0 || to >= inside.length) return;
    event.preventDefault();
    event.stopPropagation();
    inside[to].focus();
  });
  list.addEventListener("keydown", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement)) return;
    const li = box.closest("li");
    if (event.key === "Enter" && event.shiftKey && !event.ctrlKey) {
      event.preventDefault();
      addStep(li);
    } else if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      moveStep(li, event.key === "ArrowUp" ? -1 : 1);
    } else if (event.key === "Backspace" && box.value === "" && list.children.length > 1) {
      event.preventDefault();
      removeStep(li);
    }
  });
  addStep();

  return {
    element: fieldset,
    view: null,
    context: keysOf(field.prompt),
    uses: [],
    typing: true,
    value: () => {
      const steps = boxes().map((b) => b.value).filter((s, i, all) => s.trim() || i < all.length - 1);
      const text = answer.value;
      if (!steps.length && !text.trim()) return null;
      return { steps, answer: text };
    },
    set: (v) => {
      list.replaceChildren();
      for (const s of v?.steps?.length ? v.steps : [""]) list.append(stepRow(s));
      renumber();
      answer.value = v?.answer ?? "";
    },
    key: () => false,
    focus: () => (boxes().find((b) => !b.value.trim()) ?? boxes()[0]).focus(),
  };
}
