/* Loket live glue: one Socket.IO connection per page, (re)joining its rooms on every connect.
 *
 *   Loket.live({
 *     rooms: ["office:1", "display:1"],
 *     on: {"ticket.called": (data) => ...},   // domain events by name
 *     resync: () => htmx.ajax("GET", url, {target: "#board", swap: "outerHTML"}),  // after (re)connect
 *   });
 *
 * Server-rendered updates arrive as the event "swap" with {target, html, swap?}: they are put in
 * place with htmx.swap so one render on the server serves every screen. While disconnected the
 * page gets the class "offline" on <body> (style it discreetly); Socket.IO reconnects by itself,
 * and every reconnect re-subscribes and calls resync(), so a restarted server is caught up with.
 */
(function () {
  "use strict";
  function live(options) {
    var opts = options || {};
    var socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    var body = document.body;
    var handlers = opts.on || {};
    var connectedOnce = false;
    socket.on("connect", function () {
      body.classList.remove("offline");
      socket.emit("subscribe", { rooms: opts.rooms || [] }, function (ack) {
        body.dataset.liveRooms = ack && ack.rooms ? ack.rooms.join(" ") : "";
        body.dataset.live = "connected";
        if (opts.resync && (connectedOnce || opts.resyncOnFirstConnect)) { opts.resync(); }
        connectedOnce = true;
        document.dispatchEvent(new CustomEvent("loket:live", { detail: { rooms: ack && ack.rooms } }));
      });
    });
    socket.on("disconnect", function () { body.classList.add("offline"); body.dataset.live = "offline"; });
    socket.io.on("reconnect_attempt", function () { body.classList.add("offline"); });
    socket.on("swap", function (data) {
      if (!data || !data.target || typeof data.html !== "string") { return; }
      var target = document.querySelector(data.target);
      // Trimmed: stray whitespace around the element would pile up as text nodes, one per swap.
      if (target) { htmx.swap(target, data.html.trim(), { swapStyle: data.swap || "outerHTML" }); }
    });
    Object.keys(handlers).forEach(function (name) { socket.on(name, handlers[name]); });
    return socket;
  }
  window.Loket = window.Loket || {};
  window.Loket.live = live;
})();
