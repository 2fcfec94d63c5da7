/* Counter pages: the officer's desk (keyboard shortcuts, live refresh, ticked requirements kept
 * across swaps) and the customer-facing rating screen (lights up on "rating.requested", goes dark
 * by itself when the request times out). Both follow their Socket.IO rooms through Loket.live. */
(function () {
  "use strict";
  var Loket = window.Loket = window.Loket || {};

  function rooms(el) {
    try { return JSON.parse(el.dataset.rooms || "[]"); } catch (e) { return []; }
  }

  // --- the officer's desk ------------------------------------------------------------------------
  function initDesk(root) {
    var myCounter = parseInt(root.dataset.counter, 10);
    var timers = {};
    Loket.deskRefreshes = { workspace: 0, side: 0 };

    function busy() { return !!document.querySelector("#workspace .htmx-request, #workspace.htmx-request"); }
    // An officer choosing a priority reason in the queue list: the list waits until they leave it.
    function choosing() {
      var side = document.getElementById("side"), active = document.activeElement;
      return !!(side && active && active !== document.body && side.contains(active) && active.closest("details[open]"));
    }

    // An event older than what the desk shows: the echo of a call or recall arriving after the answer to
    // the officer's next action (a socket message may overtake, or trail, an HTTP answer).
    function behind(data, ws) {
      return data.state === "called" && (ws.dataset.state === "serving" ||
        parseInt(data.call_count, 10) < parseInt(ws.dataset.callCount, 10));
    }

    function isStale(data) {
      var ws = document.getElementById("workspace");
      if (!ws || !data) { return false; }
      var shown = ws.dataset.number;
      var mine = data.counter === myCounter;
      if (shown && data.number === shown && behind(data, ws)) { return false; }
      return (shown && data.number === shown && (data.state !== ws.dataset.state || String(data.call_count) !== ws.dataset.callCount ||
                                                  (typeof data.priority === "boolean" && String(data.priority ? 1 : 0) !== ws.dataset.priority))) ||
        (mine && data.number && data.number !== shown && (data.state === "called" || data.state === "serving")) ||
        (mine && typeof data.paused === "boolean" && String(data.paused ? 1 : 0) !== ws.dataset.paused);
    }

    function refresh(what, data) {
      // Several events in a burst (e.g. close + rating) become one request.
      if (timers[what]) { clearTimeout(timers[what]); }
      timers[what] = setTimeout(function () {
        timers[what] = null;
        if (what === "workspace") {
          if (busy()) { return; }  // the action's own answer brings the new state
          // The action's answer may have arrived meanwhile: re-render only if still out of date, so an
          // officer typing a note is not interrupted by a swap that changes nothing.
          if (data && !isStale(data)) { what = "side"; }
        }
        if (what === "side" && choosing()) { refresh("side"); return; }  // look again shortly
        Loket.deskRefreshes[what] += 1;
        var url = what === "workspace" ? root.dataset.workspaceUrl : root.dataset.sideUrl;
        var scope = document.getElementById(what);
        // What the officer was typing (a transfer's target and note) and the focus come back after the swap
        // when the desk still shows the same visitor.
        if (scope) { kept[what] = { scope: scope, ticket: scope.dataset.ticket, typed: Loket.typed(scope) }; }
        htmx.ajax("GET", url, { target: "#" + what, swap: "outerHTML" });
      }, 150);
    }
    var kept = {};
    document.body.addEventListener("htmx:afterSwap", function () {
      Object.keys(kept).forEach(function (what) {
        var scope = document.getElementById(what), plan = kept[what];
        if (!scope || scope === plan.scope) { return; }  // not swapped yet: another part was
        delete kept[what];
        if (scope.dataset.ticket === plan.ticket) { Loket.retype(plan.typed); }
      });
    });

    function onEvent(data) {
      if (!document.getElementById("workspace") || !data) { refresh("side"); return; }
      if (isStale(data)) { refresh("workspace", data); } else { refresh("side"); }
    }

    var handlers = {};
    ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.serving", "ticket.no_show", "ticket.closed",
     "ticket.transferred", "ticket.cancelled", "ticket.priority", "counter.paused", "counter.resumed", "counter.services",
     // renamed or retired by an admin: the refresh shows the new name, or the desk's "not found" message
     "counter.changed", "counter.retired",
     "service.closed", "service.opened", "rating.recorded", "queue.closed"].forEach(function (name) {
      handlers[name] = onEvent;
    });
    Loket.socket = Loket.live({ rooms: rooms(root), on: handlers, resync: function () { refresh("workspace"); } });

    // Keyboard shortcuts: the key shown on each button; never while typing in a field.
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
      var target = event.target;
      if (target && (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName) ||
          (target.tagName === "INPUT" && !/^(checkbox|radio|button|submit)$/.test(target.type)))) { return; }
      var key = (event.key || "").toLowerCase();
      if (key.length !== 1) { return; }
      var control = document.querySelector('#workspace [data-key="' + key + '"]');
      if (!control || control.disabled) { return; }
      event.preventDefault();
      if (control.tagName === "SELECT") { control.focus(); } else { control.click(); }
    });

    // Ticked requirements survive re-renders of the same visitor (kept per ticket for this tab).
    function storeKey(box) { return "loket.checklist." + box.dataset.ticket; }
    function restoreChecklist() {
      var box = document.getElementById("checklist");
      if (!box) { return; }
      var ticked = [];
      try { ticked = JSON.parse(window.sessionStorage.getItem(storeKey(box)) || "[]"); } catch (e) { ticked = []; }
      box.querySelectorAll("input[type=checkbox]").forEach(function (input) {
        input.checked = ticked.indexOf(input.value) !== -1;
      });
    }
    document.addEventListener("change", function (event) {
      var box = event.target.closest && event.target.closest("#checklist");
      if (!box) { return; }
      var ticked = Array.prototype.map.call(box.querySelectorAll("input:checked"), function (i) { return i.value; });
      try { window.sessionStorage.setItem(storeKey(box), JSON.stringify(ticked)); } catch (e) { /* private mode */ }
    });
    document.body.addEventListener("htmx:afterSettle", restoreChecklist);
    restoreChecklist();
    // "Buka berkas" takes the ticks along (if any): the case's document checklist starts from them.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("#open-case");
      var box = document.getElementById("checklist");
      if (!link || !box) { return; }
      var url = new URL(link.getAttribute("href"), location.href);
      url.searchParams.delete("ada");
      box.querySelectorAll("input:checked").forEach(function (input) {
        url.searchParams.append("ada", String(parseInt(input.value, 10) + 1));
      });
      link.href = url.pathname + url.search;
    });

    // Focus across swaps: an action replaces the whole workspace, and the focused button with it (its
    // disabling during the request already blurs it). After an officer's action the focus goes to the next
    // main action; after a refresh or a refused action, back to the same control when it is still usable.
    function usable(el) { return !!el && !el.disabled && el.getClientRects().length > 0; }
    function focusKey(el) {
      if (el.id) { return "#" + CSS.escape(el.id); }
      if (el.dataset.key) { return '[data-key="' + el.dataset.key + '"]'; }
      var scope = el.parentElement && el.parentElement.closest("[id], [data-number]");
      var prefix = !scope ? "" : (scope.id ? "#" + CSS.escape(scope.id) : '[data-number="' + scope.dataset.number + '"]') + " ";
      var act = Array.prototype.filter.call(el.classList, function (c) { return c.indexOf("act-") === 0; })[0];
      if (act) { return prefix + "." + act; }
      if (el.name) { return prefix + el.tagName.toLowerCase() + '[name="' + el.name + '"]' + (el.type === "checkbox" ? '[value="' + el.value + '"]' : ""); }
      return prefix + el.tagName.toLowerCase();
    }
    function mainAction() {
      var ws = document.getElementById("workspace");
      if (!ws) { return null; }
      var order = ws.dataset.state === "called" ? [".act-start", ".act-close"] :
        ws.dataset.state === "serving" ? [".act-close"] :
        ws.dataset.paused === "1" ? [".act-pause"] : [".act-call", ".act-pause"];
      order.push("#controls button");
      for (var i = 0; i < order.length; i++) {
        var found = ws.querySelectorAll(order[i]);
        for (var j = 0; j < found.length; j++) { if (usable(found[j])) { return found[j]; } }
      }
      return null;
    }
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (!root.contains(event.detail.elt || event.target)) { return; }
      var active = document.activeElement;
      event.detail.loketFocus = {
        acted: (event.detail.requestConfig || {}).verb === "post",
        was: active && active !== document.body && root.contains(active) ? focusKey(active) : null,
      };
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var plan = event.detail && event.detail.loketFocus;
      if (!plan || plan.done) { return; }
      plan.done = true;
      var active = document.activeElement;
      if (!(active && active !== document.body && document.contains(active))) {
        var same = plan.was ? document.querySelector(plan.was) : null;
        var next = (plan.acted && !event.detail.failed) || !usable(same) ? ((plan.acted || plan.was) ? mainAction() : null) : same;
        if (next) { next.focus(); }
      }
    });
  }

  // --- the customer-facing rating screen ---------------------------------------------------------
  function initRate(root) {
    var timer = null, tapping = false;
    var THANKS_MS = 5000;
    // This screen's own tap: its "rating.recorded" echo must not replace the thanks with a dark panel.
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.requestConfig && event.detail.requestConfig.verb === "post") { tapping = true; }
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.requestConfig && event.detail.requestConfig.verb === "post") { tapping = false; }
    });

    function refresh() {
      htmx.ajax("GET", root.dataset.panelUrl, { target: "#rating", swap: "outerHTML" });
    }
    function arm() {
      // Go dark by itself: when the request times out, and a few seconds after the thanks.
      if (timer) { clearTimeout(timer); timer = null; }
      var panel = document.getElementById("rating");
      if (!panel) { return; }
      var state = panel.dataset.state;
      Loket.rateState = state;
      if (state === "open") {
        timer = setTimeout(refresh, (parseInt(panel.dataset.secondsLeft, 10) || 1) * 1000 + 500);
      } else if (state === "thanks") {
        timer = setTimeout(refresh, THANKS_MS);
      }
    }
    document.body.addEventListener("htmx:afterSettle", arm);
    // A refused tap (already rated, expired): show the message, then go dark.
    document.body.addEventListener("htmx:responseError", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { document.getElementById("messages").innerHTML = ""; refresh(); }, 3000);
    });
    arm();
    Loket.socket = Loket.live({
      rooms: rooms(root),
      on: {
        "rating.requested": refresh,
        "rating.recorded": function (data) {
          var panel = document.getElementById("rating");
          // Rated elsewhere (another tab on this screen's pairing): go dark here too.
          if (!tapping && panel && panel.dataset.state === "open" && data && data.rating === panel.dataset.request) { refresh(); }
        },
      },
      resync: refresh,
    });
  }

  var desk = document.getElementById("desk");
  if (desk) { initDesk(desk); }
  var rate = document.getElementById("rate-screen");
  if (rate) { initRate(rate); }
})();
