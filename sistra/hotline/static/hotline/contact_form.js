/* The operator's contact screen: one-key non-substantive contacts, the call clock and the repeat-caller panel.
   The form works without this file; it only makes it faster. No inline code: CSP allows scripts by nonce. */
(function () {
  "use strict";

  var form = document.getElementById("contact-form");
  if (!form) {
    return;
  }
  var category = form.elements.category;
  var reason = form.elements.non_substantive_reason;
  var save = document.getElementById("save-contact");
  var status = document.getElementById("quick-status");
  var saveLabel = save.textContent;
  var shortcuts = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-shortcut]"), function (item) {
    shortcuts[item.getAttribute("data-shortcut")] = {
      reason: item.getAttribute("data-reason"),
      label: item.getAttribute("data-label"),
      item: item
    };
  });

  var TEXT_TYPES = ["text", "tel", "email", "search", "number", "password", "url", "date", "time",
                    "datetime-local", "month", "week"];

  function isTyping(element) {
    if (!element) {
      return false;
    }
    if (element.isContentEditable || element.tagName === "TEXTAREA") {
      return true;
    }
    return element.tagName === "INPUT" && TEXT_TYPES.indexOf((element.type || "text").toLowerCase()) !== -1;
  }

  function markChosen(chosen) {
    Object.keys(shortcuts).forEach(function (key) {
      shortcuts[key].item.classList.toggle("is-chosen", shortcuts[key] === chosen);
    });
  }

  function choose(shortcut) {
    category.value = "non_substantive";
    reason.value = shortcut.reason;
    form.setAttribute("data-quick", shortcut.reason);
    save.textContent = saveLabel + " — " + shortcut.label;
    status.textContent = shortcut.label + " · " + status.getAttribute("data-hint");
    markChosen(shortcut);
    save.focus();
  }

  function cancel() {
    if (!form.hasAttribute("data-quick")) {
      return;
    }
    category.value = "";
    reason.value = "";
    form.removeAttribute("data-quick");
    save.textContent = saveLabel;
    status.textContent = "";
    markChosen(null);
    category.focus();
  }

  // Capture phase: a digit on a focused list must choose the shortcut, not search the list's options.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) {
      return;
    }
    if (event.key === "Escape") {
      cancel();
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var shortcut = shortcuts[event.key];
    if (shortcut) {
      event.preventDefault();
      choose(shortcut);
    }
  }, true);

  // The call clock: time since the start written in the form (dd/mm/aaaa hh:mm[:ss], in the server's time
  // zone, Lima), counted on the server's clock: the browser's time zone and clock do not matter. The server
  // gives its UTC time (data-server-now) and the offset of the zone the start is written in (data-utc-offset).
  var clock = document.getElementById("call-clock");
  var startField = form.elements.started_at;
  var offsetMinutes = clock ? +clock.getAttribute("data-utc-offset") || 0 : 0;
  var skew = clock && clock.getAttribute("data-server-now") ? +clock.getAttribute("data-server-now") - Date.now() : 0;

  function startTime() {
    var match = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec((startField.value || "").trim());
    if (!match) {
      return null;
    }
    // the written wall time, read as UTC, then moved by the zone's offset: a UTC instant
    return Date.UTC(+match[3], +match[2] - 1, +match[1], +match[4], +match[5], +(match[6] || 0)) -
      offsetMinutes * 60000;
  }

  function tick() {
    var start = startTime();
    if (start === null) {
      clock.hidden = true;
      return;
    }
    var seconds = Math.max(0, Math.floor((Date.now() + skew - start) / 1000));
    var minutes = Math.floor(seconds / 60);
    var hours = Math.floor(minutes / 60);
    var text = (hours ? hours + ":" + String(minutes % 60).padStart(2, "0") : String(minutes)) + ":" +
      String(seconds % 60).padStart(2, "0");
    clock.textContent = text;
    clock.hidden = false;
  }

  if (clock && startField) {
    tick();
    window.setInterval(tick, 1000);
  }

  // Earlier contacts of the number, while the operator types it. The number goes in a POST body.
  var phone = form.elements.caller_phone;
  var panel = document.getElementById("caller-history");
  var timer = null;
  var lastLooked = null;

  function lookup() {
    var digits = (phone.value || "").replace(/\D/g, "");
    if (digits.length < 6 || digits === lastLooked) {
      return;
    }
    lastLooked = digits;
    var body = new FormData();
    body.append("caller_phone", phone.value);
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    window.fetch(form.getAttribute("data-lookup-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null) {
          panel.innerHTML = html;
          panel.setAttribute("data-loaded", digits);
        }
      })
      .catch(function () { lastLooked = null; });
  }

  if (phone && panel) {
    phone.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 300);
    });
    phone.addEventListener("blur", lookup);
  }
})();
