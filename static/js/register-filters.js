/* The public register's filters: the street/town list depends on the unit and is filled by the server, so a
   change of unit reloads the page with that unit's streets (the chosen street no longer applies). Without
   JavaScript the same happens when the visitor presses Search. */
(function () {
  "use strict";
  var form = document.querySelector("[data-register-filters]");
  if (!form) return;
  var district = form.querySelector("[data-register-district]");
  var street = form.querySelector("[data-register-street]");
  if (!district) return;
  district.addEventListener("change", function () {
    if (street) {
      street.value = "";
      street.disabled = true; // a disabled control is not submitted
    }
    form.submit();
  });
})();
