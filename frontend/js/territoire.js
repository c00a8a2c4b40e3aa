// Territoire — progressive enhancement only: every page works without this file.

// When a form comes back with errors, move focus to the error summary so that keyboard and
// screen-reader users hear it first and can follow its links to each field (RGAA 11.10).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("erreurs");
  if (summary) {
    summary.focus();
  }
});
