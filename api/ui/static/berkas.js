// Berkas: the little script the pages use. Everything works without it, except the
// live progress of a rebuild (the page shows the state when it was loaded).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  for (const row of document.querySelectorAll("tr[data-job][data-state=running]")) {
    follow(row);
  }
});

function follow(row) {
  const url = `/ui/ops/jobs/${row.dataset.job}`;
  const tick = async () => {
    const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const job = await answer.json();
    const bar = row.querySelector("progress");
    bar.max = job.total || 1;
    bar.value = job.done;
    row.querySelector("[data-field=count]").textContent = `${job.done}/${job.total}`;
    row.querySelector("[data-field=state]").textContent = job.state;
    row.querySelector("[data-field=projection]").textContent = job.projections.join(", ");
    row.querySelector("[data-field=events]").textContent = job.events;
    row.dataset.state = job.state;
    if (job.state === "running") setTimeout(tick, 500);
  };
  tick();
}
