/* A complaint's tracking page follows the office live: when the office moves it on, its live part
 * is fetched again (the event says only that it changed). Not while the visitor is typing a reply. */
(function () {
  "use strict";
  var root = document.getElementById("complaint-follow");
  if (!root || !window.Loket) { return; }
  function typing() {
    var box = root.querySelector("textarea");
    return box && (box.value.trim() !== "" || document.activeElement === box);
  }
  function refresh() {
    if (typing()) { return; }
    htmx.ajax("GET", root.dataset.url, { target: "#complaint-live", swap: "outerHTML" });
  }
  var on = {};
  ["complaint.in_progress", "complaint.answered", "complaint.closed", "complaint.reopened"].forEach(function (name) {
    on[name] = refresh;
  });
  Loket.live({ rooms: [root.dataset.room], on: on, resync: refresh });
})();
