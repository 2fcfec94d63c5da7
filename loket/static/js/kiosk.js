/* Kiosk screen, a shared device: idle timer back to the home screen (a multi-office kiosk's office list,
 * and back to Bahasa Indonesia), what a visitor typed never left for the next one, live waiting counts
 * over Socket.IO (the `office:<id>` rooms of the kiosk's offices, from #kiosk's data-rooms), and no
 * double tickets from a double tap. The pages work without it. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var home = root.dataset.home;
  var idleMs = Math.max(1, parseInt(root.dataset.idle || "60", 10)) * 1000;
  var timer = null;

  // Empty every form on the page: typed text and choices back to how the page came from the server,
  // typed text (also text re-shown after an error) emptied.
  function clearForms() {
    document.querySelectorAll("form").forEach(function (form) {
      form.reset();
      form.querySelectorAll("textarea, input[type=text], input[type=tel], input[type=email], input[type=search], input:not([type])")
        .forEach(function (field) { field.value = ""; });
      delete form.dataset.sent;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  }
  // The page kept in the browser's history (back/forward cache) must hold nothing typed: empty it
  // on the way out, and again should it be shown from that cache.
  window.addEventListener("pagehide", clearForms);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { clearForms(); arm(); }
  });

  function atHomeInIndonesian() {
    var homePath = home.split("?")[0];
    return location.pathname === homePath && root.dataset.lang === "id" && !document.querySelector(".kiosk-notice.notice-error[role=alert]");
  }
  function goHome() {
    if (atHomeInIndonesian()) { window.scrollTo(0, 0); arm(); return; }
    clearForms();
    location.href = home;
  }
  function arm() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(goHome, idleMs);
  }
  ["pointerdown", "touchstart", "keydown", "input", "scroll"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true });
  });
  arm();

  // One ticket per tap: ignore repeated submits of the same form (the clicked button still counts).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // Live counts on the home screen: the services list, or a multi-office kiosk's office list.
  if ((document.getElementById("services") || document.getElementById("offices")) && window.Loket && window.io) {
    var pending = null;
    var refresh = function () {
      if (pending) { return; }
      pending = setTimeout(function () {
        pending = null;
        document.body.dispatchEvent(new CustomEvent("loket:refresh"));
      }, 300);
    };
    var on = {};
    ["ticket.issued", "ticket.called", "ticket.transferred", "ticket.cancelled", "ticket.no_show",
     "ticket.closed", "service.closed", "service.opened", "counter.paused", "counter.resumed",
     "counter.services", "counter.added", "counter.retired", "counter.reactivated", "queue.closed",
     "office.closed", "office.opened", "office.settings"]
      .forEach(function (name) { on[name] = refresh; });
    var rooms = (root.dataset.rooms || "").split(" ").filter(Boolean);
    window.Loket.live({ rooms: rooms, on: on, resync: refresh });
  }
})();
