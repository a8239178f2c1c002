// The annotate page: keyboard-first labeling. The next item is leased ahead of time while
// the person works on this one, so that it appears at once on submit, without a reload.
import { api } from "./api.js";
import { chat, isConversation, markdown } from "./markdown.js";
import { widgets } from "./widgets.js";

const $ = (id) => document.getElementById(id);
const project = JSON.parse($("project-data").textContent);
const root = $("annotate");
const itemBox = $("item");
const form = $("fields");
const notice = $("notice");

const PREFETCH = 2;          // leases held: the one on screen and the next one
const IDLE_MS = 60_000;      // a pause longer than this stops counting as work
const POLL_MS = 30_000;      // how often "no more work" looks again by itself
const COUNT_KEY = `veracity.labeled.${project.id}`;
const HELP_KEY = "veracity.help-open";

const state = {
  leases: [],       // the one on screen first, then the ones fetched ahead
  shown: null,      // assignment id of the item on screen
  fields: [],       // [{field, widget}] of the item on screen
  active: 0,        // index of the highlighted field: number keys go to it
  busy: false,      // a submit or skip is on its way
  refilling: null,  // the promise of the running refill, if any
};

// Time worked on the item on screen: counted while the page is visible, and pauses of
// more than IDLE_MS between two touches count as IDLE_MS only.
const clock = { worked: 0, last: performance.now() };

function addWork() {
  const now = performance.now();
  clock.worked += Math.min(now - clock.last, IDLE_MS);
  clock.last = now;
}

function stored(storage, key, fallback) {
  try {
    return storage.getItem(key) ?? fallback;
  } catch {
    return fallback;  // storage may be switched off; the page works without it
  }
}

function store(storage, key, value) {
  try {
    storage.setItem(key, value);
  } catch {
    // Not remembered across reloads, that is all.
  }
}

let labeled = Number(stored(sessionStorage, COUNT_KEY, "0")) || 0;

function say(message, tone = "error") {
  notice.textContent = message;
  notice.dataset.tone = tone;
  notice.hidden = !message;
}

function setHelp(open) {
  $("help").hidden = !open;
  $("toggle-help").setAttribute("aria-expanded", String(open));
  store(localStorage, HELP_KEY, open ? "1" : "0");
}

function showCount() {
  $("session-count").textContent = String(labeled);
}

// ---- showing an item ---------------------------------------------------------------------

function dataValue(value) {
  const dd = document.createElement("dd");
  if (typeof value === "string") {
    dd.textContent = value;
  } else if (isConversation(value)) {
    dd.append(chat(value));
  } else {
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(value, null, 2);
    dd.append(pre);
  }
  return dd;
}

// The prompt of a generative-AI field: a conversation as a chat, a string as Markdown.
function promptBlock(key, value) {
  const section = document.createElement("section");
  section.className = "prompt";
  section.dataset.key = key;
  const title = document.createElement("h2");
  title.className = "prompt-name";
  title.textContent = key;
  section.append(title, isConversation(value) ? chat(value) : markdown(value));
  return section;
}

// The fields on screen say which data keys they show themselves (``uses``), which are the
// prompt (``context``), and what they add to the item panel (``view``).
function renderItem(lease) {
  const { data } = lease.item;
  const context = new Set();
  const used = new Set();
  for (const { widget } of state.fields) {
    for (const key of widget.context ?? []) context.add(key);
    for (const key of widget.uses ?? []) used.add(key);
  }
  itemBox.replaceChildren();
  const main = typeof data.text === "string" && !context.has("text") && !used.has("text");
  if (main) {
    const p = document.createElement("p");
    p.className = "item-text";
    p.textContent = data.text;
    itemBox.append(p);
  }
  for (const key of context) {
    const value = data[key];
    if (typeof value === "string" || isConversation(value)) itemBox.append(promptBlock(key, value));
  }
  for (const { widget } of state.fields) {
    if (widget.view) itemBox.append(widget.view);
  }
  const skip = (k) => (main && k === "text") || used.has(k) ||
    (context.has(k) && (typeof data[k] === "string" || isConversation(data[k])));
  const rest = Object.entries(data).filter(([k]) => !skip(k));
  if (rest.length) {
    const dl = document.createElement("dl");
    dl.className = "item-data";
    for (const [k, v] of rest) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      dl.append(dt, dataValue(v));
    }
    itemBox.append(dl);
  }
  const meta = document.createElement("p");
  meta.className = "item-meta";
  meta.textContent = lease.item.external_id === null ? `item ${lease.item.id}` : lease.item.external_id;
  itemBox.append(meta);
  itemBox.dataset.itemId = String(lease.item.id);
}

function renderFields(lease) {
  form.replaceChildren();
  state.fields = project.schema.fields.map((field) => {
    const widget = widgets[field.kind](field, lease.item.data);
    form.append(widget.element);
    return { field, widget };
  });
  const suggested = lease.prediction?.value ?? {};
  for (const { field, widget } of state.fields) {
    if (suggested[field.name] !== undefined) widget.set(suggested[field.name]);
  }
  setActive(0);
}

function setActive(i) {
  const n = state.fields.length;
  state.active = ((i % n) + n) % n;
  state.fields.forEach(({ widget }, j) => widget.element.classList.toggle("active", j === state.active));
}

function move(delta) {
  setActive(state.active + delta);
  state.fields[state.active].widget.focus();
}

function show(lease) {
  renderFields(lease);
  renderItem(lease);
  state.shown = lease.assignment_id;
  clock.worked = 0;
  clock.last = performance.now();
  // A field that takes typing first gets the keyboard at once; option fields need no focus.
  if (state.fields[0].widget.typing) state.fields[0].widget.focus();
}

// The page is in one of three states: working on an item, loading, or out of work.
function render() {
  const lease = state.leases[0];
  let mode = "empty";
  if (lease) mode = "working";
  else if (state.refilling) mode = "loading";
  root.dataset.state = mode;
  root.dataset.queued = String(state.leases.length);
  $("workspace").hidden = mode !== "working";
  $("loading").hidden = mode !== "loading";
  $("no-work").hidden = mode !== "empty";
  if (!lease) state.shown = null;
  else if (state.shown !== lease.assignment_id) show(lease);
}

// ---- fetching and finishing work ---------------------------------------------------------

// Lease items until PREFETCH are held. One refill runs at a time; callers share it.
function refill(resume = false) {
  state.refilling ??= (async () => {
    try {
      if (resume) {
        // Leases still held from before a reload come first, in the order they were taken.
        const mine = await api("GET", `/api/v1/projects/${project.id}/queue/mine`);
        const known = new Set(state.leases.map((l) => l.assignment_id));
        state.leases.push(...mine.leases.filter((l) => !known.has(l.assignment_id)));
        render();
      }
      while (state.leases.length < PREFETCH) {
        const lease = await api("POST", `/api/v1/projects/${project.id}/queue/next`);
        if (!lease) break;
        state.leases.push(lease);
        render();
      }
    } catch (err) {
      // 409: the project's limit on open leases is reached; the ones held are worked first.
      if (err.status !== 409) say(err.message);
    }
  })().finally(() => {
    state.refilling = null;
    render();
  });
  return state.refilling;
}

function answer() {
  const value = {};
  for (const { field, widget } of state.fields) {
    const v = widget.value();
    if (v !== null) value[field.name] = v;
  }
  return value;
}

function owns(fieldName, errorField) {
  return errorField === fieldName || errorField.startsWith(`${fieldName}[`) || errorField.startsWith(`${fieldName}.`);
}

function showInvalid(err) {
  // The server's message names the field already; say which one if it ever does not.
  say(err.field && !err.message.includes(err.field) ? `${err.field}: ${err.message}` : err.message);
  const i = err.field ? state.fields.findIndex(({ field }) => owns(field.name, err.field)) : -1;
  if (i >= 0) {
    state.fields[i].widget.element.classList.add("invalid");
    setActive(i);
    state.fields[i].widget.focus();
  }
}

function setBusy(busy) {
  state.busy = busy;
  root.dataset.busy = String(busy);
  $("submit").disabled = busy;
  $("skip").disabled = busy;
}

async function finish(action) {
  const lease = state.leases[0];
  if (state.busy || !lease || state.shown !== lease.assignment_id) return;
  setBusy(true);
  addWork();
  try {
    if (action === "submit") {
      await api("POST", `/api/v1/assignments/${lease.assignment_id}/submit`, {
        value: answer(),
        seconds: Math.round(clock.worked) / 1000,
      });
      labeled += 1;
      store(sessionStorage, COUNT_KEY, String(labeled));
      showCount();
    } else {
      await api("POST", `/api/v1/assignments/${lease.assignment_id}/skip`);
    }
    say("");
    state.leases.shift();
  } catch (err) {
    if (err.status === 409) {
      // The lease is gone (it expired and went to someone else, or was used in another tab).
      say(`That item is no longer yours (${err.message}); here is the next one.`, "info");
      state.leases.shift();
    } else if (err.status === 422) {
      showInvalid(err);
    } else if (err.status === 401) {
      say("Your sign-in has ended. Reload the page to sign in again; your work so far is saved.");
    } else {
      say(err.message);
    }
  } finally {
    setBusy(false);
  }
  render();
  refill();
}

// ---- keys --------------------------------------------------------------------------------

function inTextBox(target) {
  return target instanceof HTMLTextAreaElement ||
    (target instanceof HTMLInputElement && target.type === "text");
}

function onKey(event) {
  addWork();
  if (event.altKey || event.metaKey || event.isComposing) return;
  const target = event.target;
  // The top bar's links and buttons keep the browser's own keys.
  if (target instanceof Element && target.closest(".topbar")) return;
  // A held-down Enter or S must not go on to submit or skip the items that follow.
  const finishing = event.key === "Enter"
    ? !(target instanceof HTMLTextAreaElement) || event.ctrlKey
    : (event.key === "s" || event.key === "S") && !inTextBox(target);
  if (event.repeat && finishing) {
    event.preventDefault();
    return;
  }
  const working = root.dataset.state === "working";
  if (event.key === "Tab") {
    if (!working) return;
    event.preventDefault();
    move(event.shiftKey ? -1 : 1);
    return;
  }
  if (inTextBox(target)) {
    if (event.key === "Enter" && (event.ctrlKey || target instanceof HTMLInputElement)) {
      event.preventDefault();
      finish("submit");
    } else if (event.key === "Escape") {
      event.preventDefault();
      target.blur();
    }
    return;
  }
  if (event.key === "Escape") {
    setHelp(false);
  } else if (event.key === "?") {
    event.preventDefault();
    setHelp($("help").hidden);
  } else if (!working) {
    // Nothing below applies without an item on screen.
  } else if (event.key === "Enter") {
    // A focused button or link does what it says (Skip stays a skip).
    if (target instanceof Element && target.closest("button, a")) return;
    event.preventDefault();
    finish("submit");
  } else if (event.ctrlKey) {
    // Ctrl with a digit or S is the browser's (tabs, saving), not ours.
  } else if (event.key !== "s" && event.key !== "S" && state.fields[state.active]?.widget.key(event.key)) {
    // Digits pick options; some kinds also use letters and arrows (see each kind's page).
    event.preventDefault();
    state.fields[state.active].widget.element.classList.remove("invalid");
  } else if (event.key === "s" || event.key === "S") {
    event.preventDefault();
    finish("skip");
  }
}

// ---- wiring ------------------------------------------------------------------------------

document.addEventListener("keydown", onKey);
for (const type of ["pointerdown", "wheel"]) {
  document.addEventListener(type, addWork, { passive: true });
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") addWork();
  else clock.last = performance.now();  // time away from the page is not work
});
form.addEventListener("focusin", (event) => {
  const i = state.fields.findIndex(({ widget }) => widget.element.contains(event.target));
  if (i >= 0) setActive(i);
});
form.addEventListener("input", (event) => {
  event.target.closest(".field")?.classList.remove("invalid");
});
form.addEventListener("submit", (event) => event.preventDefault());
$("submit").addEventListener("click", () => finish("submit"));
$("skip").addEventListener("click", () => finish("skip"));
$("check-again").addEventListener("click", () => refill());
$("toggle-help").addEventListener("click", () => setHelp($("help").hidden));
setInterval(() => {
  if (root.dataset.state === "empty" && document.visibilityState === "visible") refill();
}, POLL_MS);

showCount();
setHelp(stored(localStorage, HELP_KEY, "0") === "1");
refill(true).then(() => {
  document.body.dataset.ready = "true";
});
