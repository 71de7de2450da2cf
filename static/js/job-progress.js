// Polls a job's progress (GET /api/v1/jobs/<id>/) and updates the bar until the job ends.
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const progress = box.querySelector(".progress");
  const field = (name) => box.querySelector('[data-field="' + name + '"]');

  function render(job) {
    bar.style.width = job.percent + "%";
    bar.textContent = job.percent + "%";
    progress.setAttribute("aria-valuenow", String(job.percent));
    field("status").textContent = job.status_display;
    field("counts").textContent = job.done + " / " + job.total;
    field("message").textContent = job.message;
    if (job.status === "failed") bar.classList.add("bg-danger");
    if (job.status === "succeeded") bar.classList.add("bg-success");
    return job.status === "succeeded" || job.status === "failed";
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((job) => { if (!render(job)) setTimeout(poll, 1500); })
      .catch(() => setTimeout(poll, 5000));
  }
  poll();
})();
