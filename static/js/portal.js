// Behaviour every page shares, without inline handlers (the content-security policy allows no inline script):
// the language selector submits itself; buttons marked [data-print] print the page.
(function () {
  "use strict";
  const language = document.getElementById("language-select");
  if (language && language.form) {
    language.addEventListener("change", function () { language.form.submit(); });
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
