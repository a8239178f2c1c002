// The annotate page: keyboard-first labeling with the next item fetched ahead of time,
// so that it appears at once on submit, without a page reload.
import { api, ApiError } from "./api.js";
import { widgets } from "./widgets.js";

const project = JSON.parse(document.getElementById("project-data").textContent);
const $ = (id) => document.getElementById(id);
const itemBox = $("item");
const form = $("fields");
const notice = $("notice");
const PREFETCH = 2;       // leases held: the one on screen and the next one
const IDLE_SECONDS = 60;  // time without input stops counting as work

let leases = [];          // current first, then prefetched
let fields = [];          // [{field, widget}]
let active = 0;
let labeled = 0;
let worked = 0;           // active seconds on the current item
let lastInput = Date.now();
let busy = false;
let refilling = null;

function say(message) {
  notice.textContent = message;
  notice.hidden = !message;
}

function renderItem(lease) {
  itemBox.replaceChildren();
  const data = lease.item.data;
  if (typeof data.text === "string") {
    const p = document.createElement("p");
    p.className = "item-text";
    p.textContent = data.text;
    itemBox.append(p);
  }
  const rest = Object.entries(data).filter(([k]) => k !== "text" || typeof data.text !== "string");
  if (rest.length) {
    const dl = document.createElement("dl");
    dl.className = "item-data";
    for (const [k, v] of rest) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = typeof v === "string" ? v : JSON.stringify(v);
      dl.append(dt, dd);
    }
    itemBox.append(dl);
  }
  itemBox.dataset.itemId = String(lease.item.id);
  if (lease.item.external_id !== null) itemBox.dataset.externalId = lease.item.external_id;
}

function renderFields() {
  form.replaceChildren();
  fields = project.schema.fields.map((field) => {
    const widget = widgets[field.kind](field);
    form.append(widget.element);
    return { field, widget };
  });
  setActive(0);
}

function setActive(i) {
  active = (i + fields.length) % fields.length;
  fields.forEach(({ widget }, j) => widget.element.classList.toggle("active", j === active));
}

function show() {
  const lease = leases[0];
  const working = Boolean(lease);
  $("no-work").hidden = working;
  for (const id of ["item", "fields"]) $(id).hidden = !working;
  $("submit").disabled = !working;
  $("skip").disabled = !working;
  if (!working) return;
  renderItem(lease);
  renderFields();
  if (lease.prediction) {
    for (const { field, widget } of fields) {
      if (lease.prediction.value?.[field.name] !== undefined) widget.set(lease.prediction.value[field.name]);
    }
  }
  worked = 0;
}

async function refill() {
  // One refill at a time; concurrent callers wait for the same one.
  refilling ??= (async () => {
    try {
      while (leases.length < PREFETCH) {
        const lease = await api("POST", `/api/v1/projects/${project.id}/queue/next`);
        if (!lease) break;
        if (leases.some((l) => l.assignment_id === lease.assignment_id)) break;
        leases.push(lease);
        if (leases.length === 1) show();
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) say(err.message);
    } finally {
      refilling = null;
    }
  })();
  return refilling;
}

function answer() {
  const value = {};
  for (const { field, widget } of fields) {
    const v = widget.value();
    if (v !== null) value[field.name] = v;
  }
  return value;
}

async function finish(action) {
  if (busy || !leases.length) return;
  busy = true;
  const lease = leases[0];
  try {
    if (action === "submit") {
      await api("POST", `/api/v1/assignments/${lease.assignment_id}/submit`, {
        value: answer(),
        seconds: Math.round(worked * 10) / 10,
      });
      labeled += 1;
      $("session-count").textContent = `${labeled} labeled`;
    } else {
      await api("POST", `/api/v1/assignments/${lease.assignment_id}/skip`);
    }
    say("");
    leases.shift();
    show();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      // The lease is gone (expired and taken, or already used): move on.
      say(`That item was no longer yours: ${err.message}`);
      leases.shift();
      show();
    } else if (err instanceof ApiError && err.status === 422) {
      say(err.message);
      const i = fields.findIndex(({ field }) => err.field?.startsWith(field.name));
      if (i >= 0) setActive(i);
    } else {
      say(err.message);
    }
  } finally {
    busy = false;
  }
  await refill();
}

function typing(target) {
  return target instanceof HTMLTextAreaElement ||
    (target instanceof HTMLInputElement && target.type === "text");
}

document.addEventListener("keydown", (event) => {
  lastInput = Date.now();
  if (event.altKey || event.metaKey) return;
  if (typing(event.target)) {
    const single = event.target instanceof HTMLInputElement;
    if (event.key === "Enter" && (single || event.ctrlKey)) {
      event.preventDefault();
      finish("submit");
    } else if (event.key === "Escape") {
      event.target.blur();
    }
    return;
  }
  if (event.ctrlKey) return;
  if (/^[1-9]$/.test(event.key) && fields[active]?.widget.key(Number(event.key))) {
    event.preventDefault();
  } else if (event.key === "Enter") {
    event.preventDefault();
    finish("submit");
  } else if (event.key === "s" || event.key === "S") {
    event.preventDefault();
    finish("skip");
  } else if (event.key === "?") {
    $("help").hidden = !$("help").hidden;
  } else if (event.key === "Tab" && fields.length > 1) {
    event.preventDefault();
    setActive(active + (event.shiftKey ? -1 : 1));
    fields[active].widget.focus();
  }
});

for (const type of ["pointerdown", "pointermove", "wheel"]) {
  document.addEventListener(type, () => { lastInput = Date.now(); }, { passive: true });
}
form.addEventListener("focusin", (event) => {
  const i = fields.findIndex(({ widget }) => widget.element.contains(event.target));
  if (i >= 0) setActive(i);
});
form.addEventListener("submit", (event) => event.preventDefault());

// Active time: counted while the page is visible and someone touched it recently.
setInterval(() => {
  if (document.visibilityState === "visible" && Date.now() - lastInput < IDLE_SECONDS * 1000) worked += 1;
}, 1000);

$("submit").addEventListener("click", () => finish("submit"));
$("skip").addEventListener("click", () => finish("skip"));
$("check-again").addEventListener("click", () => refill());
$("toggle-help").addEventListener("click", () => { $("help").hidden = !$("help").hidden; });

async function start() {
  try {
    const mine = await api("GET", `/api/v1/projects/${project.id}/queue/mine`);
    leases = mine.leases;
  } catch (err) {
    say(err.message);
  }
  show();
  await refill();
  document.body.dataset.ready = "true";
}

start();
