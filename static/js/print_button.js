// Print buttons: shown only when scripts run (CSP forbids inline handlers).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
