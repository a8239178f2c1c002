// The project page's truth-inference card: re-run the refit job and follow its progress.
import { api } from "/static/api.js";

const card = document.getElementById("truth");
const box = document.getElementById("job");
const button = document.getElementById("refit");
const POLL_MS = 500;

function show(job) {
  box.dataset.job = job.id;
  box.dataset.state = job.state;
  const fraction = job.progress.fraction ?? 0;
  const step = job.step ?? "";
  box.innerHTML = "";
  const line = document.createElement("p");
  line.className = "hint";
  line.textContent = `Refit (job ${job.id}): ${job.state}${step && job.state === "running" ? ` · ${step}` : ""}`;
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = fraction;
  box.append(line, bar);
  if (job.error) {
    const error = document.createElement("p");
    error.className = "tag warn";
    error.dataset.jobField = "error";
    error.textContent = job.error;
    box.append(error);
  }
}

async function follow(id) {
  const job = await api("GET", `/api/v1/jobs/${id}`);
  show(job);
  if (job.state === "queued" || job.state === "running") {
    setTimeout(() => follow(id), POLL_MS);
  } else {
    button.disabled = false;
    if (job.state === "done") window.location.reload();
  }
}

button.addEventListener("click", async () => {
  button.disabled = true;
  try {
    const job = await api("POST", `/api/v1/projects/${card.dataset.project}/jobs`, { kind: "resolve" });
    show(job);
    follow(job.id);
  } catch (error) {
    button.disabled = false;
    box.textContent = error.message;
  }
});

if (box.dataset.state === "queued" || box.dataset.state === "running") {
  button.disabled = true;
  follow(box.dataset.job);
}
