/* The supervisors' dashboard: redrawn when an event of the office arrives (Socket.IO), never on a timer.
 * A burst of events (a busy minute) costs one redraw: requests are gathered for 400 ms. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.Loket) { return; }
  var timer = null;
  function redraw() {
    timer = null;
    htmx.ajax("GET", root.dataset.url, { target: "#dashboard-live", swap: "outerHTML" });
  }
  function soon() { if (!timer) { timer = setTimeout(redraw, 400); } }
  var names = ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.closed",
               "ticket.no_show", "ticket.transferred", "ticket.cancelled", "ticket.priority",
               "counter.paused", "counter.resumed", "counter.services", "counter.added", "counter.changed",
               "counter.retired", "counter.reactivated", "service.closed", "service.opened",
               "queue.closed", "office.closed", "office.opened"];
  var on = {};
  names.forEach(function (name) { on[name] = soon; });
  Loket.live({ rooms: root.dataset.rooms.split(" "), on: on, resync: redraw });
})();
