/* Waiting-room display: live board, clock, and the call announcements (chime + spoken call).
 *
 * Calls arrive as "announce" {id, number, counter, office, office_label, text, clips, recall}; they are
 * queued and spoken one at a time (never over each other). Speech synthesis is used when the browser
 * has a voice whose language starts with "id"; otherwise the shipped OGG clips play in sequence. On a
 * display shared by several offices the text names the office after the counter, while the clips
 * (which cannot say an arbitrary name) say the number and the counter only. Every step has a
 * timeout so a missing audio device never stalls the queue.
 *
 * Test hook (no audio in headless Chromium): window.loketDisplay.spoken lists the last calls said,
 * each {id, text, recall, via: "speech"|"clips", clips: [played clip names], start, end} (ms).
 */
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root) { return; }
  var Loket = window.Loket = window.Loket || {};
  var SPOKEN_MAX = 50, QUEUE_MAX = 20, SEEN_MAX = 100;
  var spoken = [];
  var queue = [], seen = [], busy = false;
  var audioBase = root.dataset.audioBase;
  var manifest = null;
  var player = new Audio();  // one element reused: nothing piles up over days
  player.preload = "auto";

  fetch(audioBase + "manifest.json").then(function (r) { return r.json(); })
    .then(function (m) { manifest = m.clips || {}; }).catch(function () { manifest = {}; });

  // --- clock: office time zone, corrected by the server's time at page load -------------------
  var offset = (parseInt(root.dataset.serverNow, 10) || Date.now()) - Date.now();
  var zone = root.dataset.timezone || "Asia/Makassar";
  var timeFmt = new Intl.DateTimeFormat("id-ID", { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  var dateFmt = new Intl.DateTimeFormat("id-ID", { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
  var clockTime = document.getElementById("clock-time"), clockDate = document.getElementById("clock-date");
  function tick() {
    var now = new Date(Date.now() + offset);
    clockTime.textContent = timeFmt.format(now).replace(/\./g, ":");
    clockDate.textContent = dateFmt.format(now);
  }
  tick();
  setInterval(tick, 1000);

  // --- voices ----------------------------------------------------------------------------------
  function indonesianVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      // Chromium + speech-dispatcher/espeak-ng says "id", others "id-ID" or "id_ID": match the prefix.
      if (/^id(?:[-_]|$)/i.test(voices[i].lang || "")) { return voices[i]; }
    }
    return null;
  }
  if ("speechSynthesis" in window) { window.speechSynthesis.getVoices(); }

  function withTimeout(promise, ms) {
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(); } }
      setTimeout(finish, ms);
      promise.then(finish, finish);
    });
  }

  var current = null;  // the log entry being said now
  function playClip(name) {
    var clip = manifest && manifest[name];
    if (!clip) { return Promise.resolve(); }
    if (current) { current.clips.push(name); }
    var limit = Math.round((clip.duration_s || 1) * 1000) + 400;
    return withTimeout(new Promise(function (resolve) {
      player.onended = resolve;
      player.onerror = resolve;
      player.src = audioBase + clip.file;
      var started = player.play();
      if (started && started.catch) { started.catch(resolve); }  // blocked or no device: go on
    }), limit);
  }

  function playClips(names) {
    return names.reduce(function (chain, name) {
      return chain.then(function () { return playClip(name); });
    }, Promise.resolve());
  }

  function speak(item, entry) {
    var voice = indonesianVoice();
    entry.via = voice ? "speech" : "clips";
    if (!voice) { return playClips(item.clips || []); }
    return playClip("chime").then(function () {
      return withTimeout(new Promise(function (resolve) {
        var u = new SpeechSynthesisUtterance(item.text);
        u.voice = voice;
        u.lang = voice.lang;
        u.rate = 0.9;
        u.onend = resolve;
        u.onerror = resolve;
        window.speechSynthesis.speak(u);
      }), 2000 + item.text.length * 120).then(function () {
        // A voice that never reported its end must not hold back (or talk over) the next call.
        if (window.speechSynthesis.speaking || window.speechSynthesis.pending) { window.speechSynthesis.cancel(); }
      });
    });
  }

  function flash(item) {
    var number = document.querySelector("#board .now-number");
    if (number && number.dataset.number === item.number) {
      number.classList.remove("flash");
      void number.offsetWidth;  // restart the animation
      number.classList.add("flash");
    }
  }

  function next() {
    if (busy || !queue.length) { return; }
    busy = true;
    var item = queue.shift();
    var entry = { id: item.id, text: item.text, number: item.number, recall: !!item.recall, via: null,
                  clips: [], start: Date.now(), end: null };
    spoken.push(entry);
    if (spoken.length > SPOKEN_MAX) { spoken.shift(); }
    current = entry;
    flash(item);
    speak(item, entry).then(finish, finish);
    function finish() {
      entry.end = Date.now();
      current = null;
      root.dataset.spoken = String(Number(root.dataset.spoken || 0) + 1);
      setTimeout(function () { busy = false; next(); }, 400);
    }
  }

  function announce(item) {
    if (!item || !item.id || !item.text) { return; }
    if (seen.indexOf(item.id) !== -1) { return; }
    seen.push(item.id);
    if (seen.length > SEEN_MAX) { seen.shift(); }
    queue.push(item);
    if (queue.length > QUEUE_MAX) { queue.shift(); }  // a long outage must not replay an hour of calls
    next();
  }
  Loket.announce = announce;
  Loket.pendingAnnouncements = function () { return queue.length + (busy ? 1 : 0); };
  window.loketDisplay = {
    spoken: spoken,
    pending: Loket.pendingAnnouncements,
    voice: function () { var v = indonesianVoice(); return v ? v.lang : null; },
  };

  // --- "tap to enable sound", once per screen ----------------------------------------------------
  var soundButton = document.getElementById("sound-enable");
  var remembered = false;
  try { remembered = window.localStorage.getItem("loket.sound") === "on"; } catch (e) { remembered = false; }
  if (!remembered) { soundButton.hidden = false; }
  soundButton.addEventListener("click", function () {
    try { window.localStorage.setItem("loket.sound", "on"); } catch (e) { /* private mode */ }
    soundButton.hidden = true;
    // A first sound inside the gesture unlocks audio for the rest of the session.
    playClip("chime");
    if ("speechSynthesis" in window) { window.speechSynthesis.speak(new SpeechSynthesisUtterance("")); }
  });

  // --- live updates ------------------------------------------------------------------------------
  // After every (re)connect, including the first: the page was rendered before the socket joined its
  // room, and a restarted server sent nothing while it was down. root.dataset.synced counts resyncs.
  function resync() {
    return Promise.all([
      htmx.ajax("GET", root.dataset.boardUrl, { target: "#board", swap: "outerHTML" }),
      htmx.ajax("GET", root.dataset.tickerUrl, { target: "#ticker", swap: "outerHTML" }),
    ]).then(function () { root.dataset.synced = String(Number(root.dataset.synced || 0) + 1); },
            function () { /* offline again: the next connect retries */ });
  }
  Loket.resync = resync;

  // A new office day starts at the office's midnight: the board of yesterday goes, even if no event comes.
  function msToOfficeMidnight() {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "numeric", minute: "numeric", second: "numeric", hour12: false })
      .formatToParts(new Date(Date.now() + offset))
      .forEach(function (p) { parts[p.type] = Number(p.value); });
    var elapsed = ((parts.hour % 24) * 3600 + parts.minute * 60 + parts.second) * 1000;
    return 24 * 3600 * 1000 - elapsed;
  }
  function atMidnight() {
    setTimeout(function () { resync(); atMidnight(); }, msToOfficeMidnight() + 5000 + Math.random() * 30000);
  }
  atMidnight();
  Loket.msToOfficeMidnight = msToOfficeMidnight;

  Loket.socket = Loket.live({
    rooms: [root.dataset.room],
    on: { announce: announce },
    resync: resync,
    resyncOnFirstConnect: true,
  });
})();
