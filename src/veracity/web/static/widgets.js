// One widget per label kind. Each takes its field and returns an object with:
//   element   the DOM to show,
//   value()   the current answer (or null when empty),
//   set(v)    show a given answer (a model suggestion, later),
//   key(n)    handle number key n (1-9) when the field is active; return true if used,
//   focus()   put the keyboard in the field.
// Text from task data and schemas is always set with textContent, never as HTML.

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function legend(field) {
  const fieldset = el("fieldset", { class: "field", "data-field": field.name, "data-kind": field.kind });
  const title = el("legend", {}, field.name + (field.required ? "" : " (optional)"));
  fieldset.append(title);
  if (field.description) fieldset.append(el("p", { class: "hint" }, field.description));
  return fieldset;
}

function optionList(field, options, type) {
  const fieldset = legend(field);
  const inputs = options.map((option, i) => {
    const id = `f-${field.name}-${i}`;
    const label = el("label", { class: "option", for: id });
    const input = el("input", { type, id, name: field.name, value: String(option) });
    const key = i < 9 ? el("kbd", {}, String(i + 1)) : el("span");
    label.append(input, key, el("span", {}, String(option)));
    fieldset.append(label);
    return input;
  });
  return { fieldset, inputs };
}

function choice(field) {
  const { fieldset, inputs } = optionList(field, field.options, "radio");
  return {
    element: fieldset,
    value: () => inputs.find((i) => i.checked)?.value ?? null,
    set: (v) => inputs.forEach((i) => { i.checked = i.value === v; }),
    key: (n) => { if (!inputs[n - 1]) return false; inputs[n - 1].checked = true; return true; },
    focus: () => (inputs.find((i) => i.checked) ?? inputs[0]).focus(),
  };
}

function multiChoice(field) {
  const { fieldset, inputs } = optionList(field, field.options, "checkbox");
  return {
    element: fieldset,
    value: () => {
      const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
      return chosen.length || field.required ? chosen : null;
    },
    set: (v) => inputs.forEach((i) => { i.checked = Array.isArray(v) && v.includes(i.value); }),
    key: (n) => { if (!inputs[n - 1]) return false; inputs[n - 1].checked = !inputs[n - 1].checked; return true; },
    focus: () => inputs[0].focus(),
  };
}

function rating(field) {
  const steps = [];
  for (let v = field.min; v <= field.max; v += 1) steps.push(v);
  const { fieldset, inputs } = optionList(field, steps, "radio");
  if (field.min_label || field.max_label) {
    fieldset.append(el("p", { class: "hint" }, `${field.min} = ${field.min_label || "lowest"}, ${field.max} = ${field.max_label || "highest"}`));
  }
  return {
    element: fieldset,
    value: () => { const c = inputs.find((i) => i.checked); return c ? Number(c.value) : null; },
    set: (v) => inputs.forEach((i) => { i.checked = Number(i.value) === v; }),
    key: (n) => { if (!inputs[n - 1]) return false; inputs[n - 1].checked = true; return true; },
    focus: () => (inputs.find((i) => i.checked) ?? inputs[0]).focus(),
  };
}

function text(field) {
  const fieldset = legend(field);
  const input = field.multiline
    ? el("textarea", { name: field.name, rows: "4", maxlength: String(field.max_length) })
    : el("input", { type: "text", name: field.name, maxlength: String(field.max_length) });
  fieldset.append(input);
  return {
    element: fieldset,
    value: () => (input.value.trim() ? input.value : null),
    set: (v) => { input.value = v ?? ""; },
    key: () => false,
    focus: () => input.focus(),
  };
}

export const widgets = { choice, multi_choice: multiChoice, rating, text };
