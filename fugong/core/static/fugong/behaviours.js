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

// A form that keeps what was typed if the connection drops (a checklist filled on a phone):
//   <form data-draft="inspection-12" data-draft-url="/inspections/12/draft/">
//     ... <span data-draft-status></span>
// Every change is kept in the phone's own storage at once (files are not) and sent to the
// server's draft a moment later; on load, fields the server left empty are filled from the
// phone's copy. <div data-draft-clear="inspection-12"> on a later page forgets the copy.
(function () {
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit";
    });
  }
  function read(form) {
    var data = {};
    fields(form).forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") data[el.name] = el.value;
    });
    return data;
  }
  // Fills what the server left empty from the phone's copy.
  function restore(form, data) {
    fields(form).forEach(function (el) {
      if (!(el.name in data)) return;
      if (el.type === "radio" || el.type === "checkbox") {
        var group = form.querySelectorAll('[name="' + el.name + '"]:checked');
        if (!group.length && el.value === data[el.name]) el.checked = true;
      } else if (el.value === "") {
        el.value = data[el.name];
      }
    });
  }
  function setup(form) {
    var key = "fugong-draft:" + form.getAttribute("data-draft");
    var status = form.querySelector("[data-draft-status]");
    var timer = null;
    var restored = 0;
    try {
      var kept = JSON.parse(window.localStorage.getItem(key) || "{}");
      restore(form, kept);
      // The browser may have put the answers back itself on a reload: count the copy.
      restored = Object.keys(kept).length;
    } catch (err) {
      /* a broken copy is ignored */
    }
    function send() {
      var url = form.getAttribute("data-draft-url");
      if (!url || !window.fetch) return;
      var body = new FormData();
      var data = read(form);
      Object.keys(data).forEach(function (name) {
        body.append(name, data[name]);
      });
      var token = form.querySelector("[name=csrfmiddlewaretoken]");
      if (token) body.append("csrfmiddlewaretoken", token.value);
      window
        .fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (text) {
          if (status) status.textContent = text;
        })
        .catch(function () {
          if (status) status.textContent = status.getAttribute("data-offline") || "";
        });
    }
    function changed() {
      try {
        window.localStorage.setItem(key, JSON.stringify(read(form)));
      } catch (err) {
        /* storage full or off: the server's copy still works */
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(send, 1500);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // What the phone kept (typed offline) goes to the server now, so another phone opening
    // the checklist finds it, and again when the connection comes back.
    if (restored) send();
    window.addEventListener("online", send);
  }
  function init() {
    document.querySelectorAll("form[data-draft]").forEach(setup);
    document.querySelectorAll("[data-draft-clear]").forEach(function (el) {
      try {
        window.localStorage.removeItem("fugong-draft:" + el.getAttribute("data-draft-clear"));
      } catch (err) {
        /* nothing kept */
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// A field needed unless another is answered a certain way (a checklist's photo is not needed
// when its item does not apply): <input type="file" required data-required-unless="item_12=na">.
// The browser then checks the rest before a phone sends a slow upload that would be refused.
(function () {
  function sync(form) {
    form.querySelectorAll("[data-required-unless]").forEach(function (el) {
      var rule = el.getAttribute("data-required-unless").split("=");
      var chosen = form.querySelector('[name="' + rule[0] + '"]:checked');
      el.required = !(chosen && chosen.value === rule[1]);
    });
  }
  function init() {
    document.querySelectorAll("form").forEach(sync);
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.form) sync(e.target.form);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
