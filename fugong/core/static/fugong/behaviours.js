// Small page behaviours, declared with data attributes instead of inline handlers (the
// Content-Security-Policy forbids inline script):
//   <select data-autosubmit>            submits its form when changed
//   <input type="checkbox" data-check-all="#bulk input[name=ids]">
//                                        checks or clears every box the selector matches
//   <form data-confirm="Remove this?">  asks before it is sent
//   <button data-print>                  prints the page
// Listeners are delegated from the document, so content swapped in by htmx works too.
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!(el instanceof HTMLElement)) return;
    if (el.matches("[data-autosubmit]") && el.form) {
      if (typeof el.form.requestSubmit === "function") el.form.requestSubmit();
      else el.form.submit();
    }
    if (el.matches("[data-check-all]")) {
      document.querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });
  document.addEventListener("click", function (e) {
    var el = e.target instanceof Element ? e.target.closest("[data-print]") : null;
    if (el) {
      e.preventDefault();
      window.print();
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
    }
  });
})();
