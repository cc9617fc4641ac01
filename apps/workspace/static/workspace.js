// Keyboard triage, a progressive enhancement: every action also works as a plain form.
// j/k move between items, r/n/u judge the current one, 1-9 toggle an area, e edits the note,
// o opens the item. Judgements are posted with fetch and the page updates in place.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.item"));
  if (!cards.length || !document.querySelector("form.judge")) { return; }
  var current = -1;
  var STATES = { r: "relevant", n: "not-relevant", u: "uncertain" };

  function select(index) {
    if (index < 0 || index >= cards.length) { return; }
    if (current >= 0) { cards[current].classList.remove("current"); }
    current = index;
    cards[current].classList.add("current");
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: "nearest" });
  }

  function flash(text) {
    var box = document.createElement("div");
    box.className = "flash";
    box.setAttribute("role", "status");
    box.textContent = text;
    document.body.appendChild(box);
    setTimeout(function () { box.remove(); }, 1500);
  }

  function judge(card, state) {
    var form = card.querySelector("form.judge");
    if (!form) { return; }
    var data = new FormData(form);
    data.set("state", state);
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (result) {
      cards.forEach(function (other) {
        if (other.dataset.item !== result.item_id) { return; }
        other.className = other.className.replace(/\bstate-[a-z-]+/g, "").trim() + " state-" + result.state;
        var badge = other.querySelector("[data-role=state]");
        if (badge) { badge.textContent = result.state; }
      });
      flash(result.state + ": " + result.item_id);
      select(cards.indexOf(card) + 1);
    }).catch(function (err) { flash("Not saved (" + err.message + "); use the buttons."); });
  }

  cards.forEach(function (card, index) {
    card.addEventListener("click", function () { if (current !== index) { select(index); } });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    var key = event.key;
    if (key === "j") { select(current + 1); }
    else if (key === "k") { select(Math.max(current - 1, 0)); }
    else if (current < 0) { return; }
    else if (STATES[key]) { judge(cards[current], STATES[key]); }
    else if (/^[1-9]$/.test(key)) {
      var boxes = cards[current].querySelectorAll("input[name=areas]");
      var box = boxes[Number(key) - 1];
      if (box) { box.checked = !box.checked; cards[current].querySelector("details").open = true; }
    }
    else if (key === "e") { var note = cards[current].querySelector("input[name=note]"); if (note) { note.focus(); } }
    else if (key === "o") { var link = cards[current].querySelector(".meta a"); if (link) { window.location = link.href; } }
    else { return; }
    event.preventDefault();
  });
})();

// The learning page: while a training job is queued or running, poll its state and reload when it ends.
(function () {
  "use strict";
  var panel = document.getElementById("job");
  if (!panel || !/^(queued|running)$/.test(panel.dataset.jobState)) { return; }
  function poll() {
    fetch("/learning/job", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        var job = status.job;
        if (!status.active) { window.location.reload(); return; }
        var state = panel.querySelector("[data-role=job-state]");
        if (state) { state.textContent = job.state; }
        panel.dataset.jobState = job.state;
        var time = panel.querySelector("[data-role=job-time]");
        if (time && job.seconds !== null) {
          time.textContent = ", " + Math.round(job.seconds) + " s so far" +
            (job.expected ? " of about " + Math.round(job.expected) + " s" : "");
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
