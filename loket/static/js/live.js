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

  // What a person typed in `scope` (fields changed from how the server sent them) and where the focus was,
  // so a live refresh that swaps `scope` puts it back: Loket.retype(Loket.typed(scope)) after the swap.
  // A field is found again by its form's id and its name (checkboxes by value too), else by its id or
  // by the row it sits in (data-code, data-key, data-position).
  function fieldKey(el) {
    var form = el.form || el.closest("form");
    if (el.name && form && form.id) {
      var value = el.type === "checkbox" ? '[value="' + el.value + '"]' : "";
      return "#" + CSS.escape(form.id) + ' [name="' + el.name + '"]' + value;
    }
    if (el.id) { return "#" + CSS.escape(el.id); }
    var row = el.closest("[data-code], [data-key], [data-position]");
    if (row) {
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
    var active = document.activeElement;
    return { values: values, focus: active && scope.contains(active) ? fieldKey(active) : null };
  }
  function retype(plan) {
    if (!plan) { return; }
    Object.keys(plan.values).forEach(function (key) {
      var el = document.querySelector(key);
      if (el && !el.disabled) { el.value = plan.values[key]; }
    });
    var again = plan.focus ? document.querySelector(plan.focus) : null;
    if (again && !again.disabled && again.getClientRects().length && document.activeElement !== again) { again.focus(); }
  }

  window.Loket = window.Loket || {};
  window.Loket.live = live;
  window.Loket.typed = typed;
  window.Loket.retype = retype;
})();
