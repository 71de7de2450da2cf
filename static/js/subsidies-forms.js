// Subsidy pages: a select marked data-autosubmit sends its form when changed; a form marked data-confirm
// asks before it is sent (marking a batch as paid, activating rules).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit], [data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => { if (select.form) select.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
