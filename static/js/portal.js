// Behaviour every page shares, without inline handlers or inline styles (the content-security policy allows
// neither): the language selector submits itself; buttons marked [data-print] print the page; forms marked
// [data-confirm] ask before they submit, selects marked [data-autosubmit] send their form; progress bars take their width from [data-progress].
(function () {
  "use strict";
  const language = document.getElementById("language-select");
  if (language && language.form) {
    language.addEventListener("change", function () { language.form.submit(); });
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("select[data-autosubmit], form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { if (select.form) { select.form.submit(); } });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-progress]").forEach(function (bar) {
    const percent = Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0));
    bar.style.width = percent + "%";  // CSSOM, which the policy allows (unlike a style attribute)
  });
})();
