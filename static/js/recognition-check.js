// Recognition pages (facilities/recognitions/*).
// 1. The apply page: re-runs the criteria check whenever a field changes, through
//    GET /api/v1/recognition-applications/check/ (session cookie), and rebuilds the table and the submit
//    button from the answer. Any failure (no endpoint yet, network, unexpected answer) leaves the table the
//    server rendered and asks for "Check again" instead: the page works without this script.
// (The certificate's print button, [data-print], is handled by portal.js on every page.)
(function () {
  "use strict";

  const box = document.getElementById("recognition-check");
  const form = document.getElementById("recognition-apply-form");
  if (!box || !form) return;

  const rows = box.querySelector("[data-check-rows]");
  const caption = box.querySelector("[data-check-caption]");
  const stale = box.querySelector("[data-check-stale]");
  const submit = form.querySelector("[data-check-submit]");
  const blocked = form.querySelector("[data-check-blocked]");
  const field = (name) => form.querySelector('[data-check-field="' + name + '"]');
  let sequence = 0;
  let controller = null;
  let timer = null;

  function query() {
    const params = new URLSearchParams();
    params.set("facility", box.dataset.facility);
    const kind = field("kind");
    params.set("kind", kind ? kind.value : "");
    const signed = field("agreement_signed_on");
    if (signed && signed.value) params.set("agreement_signed_on", signed.value);
    const reference = field("agreement_reference");
    if (reference && reference.value.trim()) params.set("agreement_reference", reference.value.trim());
    const guidance = field("guidance_accepted");
    params.set("guidance_accepted", guidance && guidance.checked ? "true" : "false");
    return params;
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function valid(answer) {
    return answer && typeof answer === "object" && Array.isArray(answer.results) && "criteria_set" in answer;
  }

  function render(answer) {
    const fresh = document.createDocumentFragment();
    answer.results.forEach(function (result) {
      const tr = document.createElement("tr");
      tr.className = result.passed ? "recognition-check-pass" : "table-danger recognition-check-fail";
      tr.dataset.checkCode = String(result.check_code || "");
      const label = cell(tr, String(result.label || result.check_code || ""));
      if (result.is_default) {
        const badge = document.createElement("span");
        badge.className = "badge text-bg-warning ms-1";
        badge.textContent = box.dataset.labelDefault;
        label.appendChild(badge);
      }
      const mark = cell(tr, "", "text-center fw-bold " + (result.passed ? "text-success" : "text-danger"));
      const sign = document.createElement("span");
      sign.textContent = result.passed ? "✓" : "✗";
      sign.setAttribute("aria-label", result.passed ? box.dataset.labelMet : box.dataset.labelNotMet);
      mark.appendChild(sign);
      cell(tr, String(result.evidence || ""), "small");
      const clause = cell(tr, String(result.clause || ""), "small");
      if (result.source) {
        const source = document.createElement("div");
        source.className = "text-body-secondary";
        source.textContent = String(result.source);
        clause.appendChild(source);
      }
      fresh.appendChild(tr);
    });
    if (!answer.results.length) {
      const tr = document.createElement("tr");
      const td = cell(tr, box.dataset.labelNone, "text-center text-body-secondary");
      td.colSpan = 4;
      fresh.appendChild(tr);
    }
    rows.replaceChildren(fresh);
    const set = answer.criteria_set;
    if (caption && set) {
      const template = box.dataset.captionTemplate || "{edition} · {since}";
      caption.textContent = template
        .replace("{edition}", String(set.edition || ""))
        .replace("{since}", String(set.effective_from || ""));
    }
    const passed = Boolean(answer.passed) && Boolean(set) && answer.results.every((r) => r.passed);
    if (submit) submit.disabled = !passed;
    if (blocked) blocked.hidden = passed;
    if (stale) stale.hidden = true;
  }

  function check() {
    const mine = ++sequence;
    if (controller) controller.abort();
    controller = typeof AbortController === "function" ? new AbortController() : null;
    fetch(box.dataset.url + "?" + query().toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        if (mine !== sequence) return; // a later change is already being checked
        if (!valid(answer)) throw new Error("unexpected answer");
        render(answer);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (mine === sequence && stale) stale.hidden = false; // keep the server's table, say it may be old
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  }

  ["kind", "agreement_signed_on", "agreement_reference", "guidance_accepted"].forEach(function (name) {
    const input = field(name);
    if (!input) return;
    input.addEventListener("change", schedule);
    if (input.tagName === "INPUT" && input.type === "text") input.addEventListener("input", schedule);
  });
  // A renewal is of the same kind as the recognition it renews: follow it.
  const renews = field("renews");
  const kind = field("kind");
  let kinds = {};
  try {
    kinds = JSON.parse(box.dataset.renewsKinds || "{}");
  } catch (error) {
    kinds = {};
  }
  if (renews && kind) {
    renews.addEventListener("change", function () {
      const match = kinds[renews.value];
      if (match && kind.value !== match) {
        kind.value = match;
        schedule();
      }
    });
  }
})();
