/* The visitor's ticket page: follows its own ticket room and its service's room over Socket.IO and
 * re-renders the status; vibrates and beeps when the number is called. Plain refresh works too. */
(function () {
  "use strict";
  var wrap = document.getElementById("ticket-wrap");
  if (!wrap) { return; }
  var url = wrap.dataset.statusUrl;
  var rooms = (wrap.dataset.rooms || "").split(" ").filter(Boolean);

  function current() {
    var el = document.getElementById("ticket-status");
    return el ? { state: el.dataset.state, calls: el.dataset.calls } : {};
  }
  var last = current();

  function alertVisitor() {
    try { if (navigator.vibrate) { navigator.vibrate([400, 200, 400, 200, 400]); } } catch (e) { /* not allowed */ }
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      var ctx = new Ctx();
      [0, 0.35].forEach(function (at) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.2;
        osc.connect(gain); gain.connect(ctx.destination);
        osc.start(ctx.currentTime + at); osc.stop(ctx.currentTime + at + 0.25);
      });
    } catch (e) { /* browsers may refuse sound without a tap first */ }
  }

  // The status block is replaced on every refresh, so screen readers hear the call through the
  // region that stays (#ticket-announce); a recall empties it first so the same words are read again.
  var region = document.getElementById("ticket-announce");
  function announce(text) {
    if (!region) { return; }
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 100);
  }

  document.body.addEventListener("htmx:afterSettle", function () {
    var now = current();
    var el = document.getElementById("ticket-status");
    if (now.state !== last.state || now.calls !== last.calls) { announce(el ? el.dataset.announce || "" : ""); }
    if (now.state === "called" && (last.state !== "called" || now.calls !== last.calls)) { alertVisitor(); }
    document.body.dataset.ticketState = now.state || "";
    last = now;
  });
  document.body.dataset.ticketState = last.state || "";

  // Every phone of a service hears every event of that service, so a call would make all of them ask
  // for their status at the same moment. Only what can change this ticket's place triggers a refresh:
  // not a new ticket behind it (only a priority ticket can come before it). Events of the ticket's own
  // room (they carry its status) refresh at once; the others are spread over a couple of seconds.
  var pending = null;
  function refresh(delay) {
    if (pending) { return; }
    pending = setTimeout(function () {
      pending = null;
      if (document.getElementById("ticket-status")) {
        htmx.ajax("GET", url, { target: "#ticket-status", swap: "outerHTML" });
      }
    }, delay);
  }
  function onEvent(name) {
    return function (payload) {
      payload = payload || {};
      if (name === "ticket.issued" && !payload.priority) { return; }
      var own = Object.prototype.hasOwnProperty.call(payload, "ahead");
      refresh(own ? 150 : 150 + Math.floor(Math.random() * 2000));
    };
  }
  if (window.Loket && window.io) {
    var on = {};
    ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.serving", "ticket.closed",
     "ticket.no_show", "ticket.transferred", "ticket.cancelled", "ticket.priority", "counter.paused",
     "counter.resumed", "queue.closed"]
      .forEach(function (name) { on[name] = onEvent(name); });
    window.Loket.live({ rooms: rooms, on: on, resync: function () { refresh(150); } });
  }
})();
