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

  function refresh() {
    if (timer) { clearTimeout(timer); }
    // Several events in a burst become one request.
    timer = setTimeout(function () {
      timer = null;
      var scope = target();
      if (!scope) { return; }
      plan = Loket.typed(scope);
      htmx.ajax("GET", root.dataset.url, { target: root.dataset.target, swap: "outerHTML" });
    }, 150);
  }

  // Right after the swap (before htmx settles it), so the typed text never blinks away.
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!plan) { return; }
    Loket.retype(plan);
    plan = null;
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
