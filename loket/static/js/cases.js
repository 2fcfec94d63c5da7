/* The officers' case pages live: the case page and the worklist follow their office's room (data-rooms) and,
 * on a case.* event (another officer, a command), fetch their live part again (data-url into data-target).
 * The case page only for its own case (data-case). What the officer was typing and where the focus was
 * survive the swap. */
(function () {
  "use strict";
  var root = document.getElementById("cases-follow");
  if (!root || !window.Loket || !window.htmx) { return; }
  var Loket = window.Loket;
  var caseId = root.dataset.case ? parseInt(root.dataset.case, 10) : null;
  var timer = null, plan = null;
  Loket.casesRefreshes = 0;

  function rooms() {
    try { return JSON.parse(root.dataset.rooms || "[]"); } catch (e) { return []; }
  }
  function target() { return document.querySelector(root.dataset.target); }

  // A field is found again after the swap by its form's id and its name (checkboxes by value too).
  function fieldKey(el) {
    var form = el.form || el.closest("form");
    if (el.name && form && form.id) {
      var value = el.type === "checkbox" ? '[value="' + el.value + '"]' : "";
      return "#" + CSS.escape(form.id) + ' [name="' + el.name + '"]' + value;
    }
    if (el.id) { return "#" + CSS.escape(el.id); }
    var row = el.closest("[data-code], [data-key], [data-position]");
    if (row) {  // a worklist row's link, a document's button
      var attr = ["code", "key", "position"].filter(function (a) { return row.dataset[a] !== undefined; })[0];
      return "[data-" + attr + '="' + row.dataset[attr] + '"] ' + el.tagName.toLowerCase();
    }
    return null;
  }
  function typed(scope) {
    var values = {};
    var fields = "textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select";
    scope.querySelectorAll(fields).forEach(function (el) {
      var changed = el.tagName !== "SELECT" ? el.value !== el.defaultValue :
        !Array.prototype.some.call(el.options, function (o) { return o.selected && o.defaultSelected; });
      var key = changed && fieldKey(el);
      if (key) { values[key] = el.value; }
    });
    return values;
  }

  function refresh() {
    if (timer) { clearTimeout(timer); }
    // Several events in a burst become one request.
    timer = setTimeout(function () {
      timer = null;
      var scope = target();
      if (!scope) { return; }
      var active = document.activeElement;
      plan = { values: typed(scope), focus: active && scope.contains(active) ? fieldKey(active) : null };
      htmx.ajax("GET", root.dataset.url, { target: root.dataset.target, swap: "outerHTML" });
    }, 150);
  }

  // Right after the swap (before htmx settles it), so the typed text never blinks away.
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!plan) { return; }
    var done = plan;
    plan = null;
    Object.keys(done.values).forEach(function (key) {
      var el = document.querySelector(key);
      if (el && !el.disabled) { el.value = done.values[key]; }
    });
    var again = done.focus ? document.querySelector(done.focus) : null;
    if (again && !again.disabled && again.getClientRects().length) { again.focus(); }
    Loket.casesRefreshes += 1;
    document.body.dataset.casesRefreshes = String(Loket.casesRefreshes);
  });

  function onEvent(data) {
    if (caseId !== null && (!data || data.case !== caseId)) { return; }
    refresh();
  }
  var on = {};
  (root.dataset.events || "").split(" ").filter(Boolean).forEach(function (name) { on[name] = onEvent; });
  Loket.socket = Loket.live({ rooms: rooms(), on: on, resync: refresh });
})();
