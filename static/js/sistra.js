/* SISTRA — small enhancements. Every page works without this file (and without htmx). No inline code
   anywhere: the Content-Security-Policy only runs scripts served by SISTRA with the page's nonce. */
(function () {
  "use strict";

  // Enter in a picker's search box searches instead of submitting the whole form.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches(".picker input[type=search]")) {
      event.preventDefault();
      if (window.htmx) {
        window.htmx.trigger(target, "search");
      }
    }
  });

  // Forms that undo something ask first (data-confirm="question").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // After a refused submission, bring the first message into view and give it focus (keyboard users).
  document.addEventListener("DOMContentLoaded", function () {
    var error = document.querySelector("details[open] .form-errors, .form-errors, .matches");
    if (error) {
      error.setAttribute("tabindex", "-1");
      error.scrollIntoView({ block: "center" });
      error.focus({ preventScroll: true });
    }
  });
})();
