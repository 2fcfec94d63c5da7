/* A case's tracking page follows its own room (case:<token>): when the office moves the case on, the live
 * part is fetched again in the page's language, and what changed is read out through the live region that
 * stays (#case-announce). Without JavaScript the page refreshes itself (<noscript> in track.html). */
(function () {
  "use strict";
  var root = document.getElementById("case-follow");
  if (!root || !window.Loket || !window.htmx) { return; }
  var region = document.getElementById("case-announce");

  function current() {
    var el = document.getElementById("case-live");
    return el ? { state: el.dataset.state || "", announce: el.dataset.announce || "" } : {};
  }
  var last = current();
  document.body.dataset.caseState = last.state || "";

  function refresh() {
    if (document.getElementById("case-live")) {
      htmx.ajax("GET", root.dataset.url, { target: "#case-live", swap: "outerHTML" });
    }
  }
  document.body.addEventListener("htmx:afterSettle", function () {
    var now = current();
    if (region && now.announce && now.announce !== last.announce) {
      // Emptied first, so that the same words said again are read again.
      region.textContent = "";
      setTimeout(function () { region.textContent = now.announce; }, 100);
    }
    document.body.dataset.caseState = now.state || "";
    last = now;
  });

  var on = {};
  (root.dataset.events || "").split(" ").filter(Boolean).forEach(function (name) { on[name] = refresh; });
  Loket.live({ rooms: [root.dataset.room], on: on, resync: refresh });
})();
