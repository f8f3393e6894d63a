// The class-mood panel: classmood.update(payload) changes the page in place (counts,
// distribution bars, the valence line, the attention list), keyed so that nothing is
// re-created when it only changed. The page never calls into analysis: its buttons and
// keys (P pause, H hide overlay, E presence only) only flip the agent's three flags
// through pywebview's js_api (window.pywebview.api.toggle), and G (Pick the gallery)
// opens the region picker (window.pywebview.api.pick): the agent's loop takes the
// rectangle from there. What limits the reading (a speaker view, a full page) is
// shown in plain words while it holds (payload.notes).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var rows = new Map();      // distribution label -> row element
  var items = new Map();     // attention key -> li element
  var updates = 0;
  var status = null;
  var controlLog = [];

  function text(el, value) { value = String(value); if (el.textContent !== value) el.textContent = value; }
  function attr(el, name, value) { if (el.getAttribute(name) !== value) el.setAttribute(name, value); }
  function show(el, on) { if (el.hidden === on) el.hidden = !on; }

  function distRow(d) {
    var row = document.createElement("div");
    row.className = "row";
    row.dataset.label = d.label;
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = d.label;
    var bar = document.createElement("span");
    bar.className = "bar";
    bar.appendChild(document.createElement("i"));
    var pct = document.createElement("span");
    pct.className = "pct";
    row.appendChild(name); row.appendChild(bar); row.appendChild(pct);
    $("distribution").appendChild(row);
    return row;
  }

  function attentionItem(a) {
    var li = document.createElement("li");
    li.dataset.key = a.key;
    ["who", "what", "dur"].forEach(function (c) {
      var s = document.createElement("span"); s.className = c; li.appendChild(s);
    });
    return li;
  }

  function applyStatus(st) {
    if (!st) return;
    status = st;
    var el = $("status");
    var state = st.state || (st.paused ? "paused" : "analysing");
    el.classList.toggle("paused", state === "paused");
    el.classList.toggle("starting", state === "starting");
    el.classList.toggle("unseen", state === "not visible");
    text($("status-text"), state);
    var flags = [];
    if (st.presence_only) flags.push("presence only");
    if (st.hidden) flags.push("overlay hidden");
    text($("flags"), flags.join(" \u00b7 "));
    var b;
    b = $("btn-paused"); attr(b, "aria-pressed", String(!!st.paused));
    text(b.querySelector(".lbl"), st.paused ? "Resume" : "Pause");
    b = $("btn-hidden"); attr(b, "aria-pressed", String(!!st.hidden));
    text(b.querySelector(".lbl"), st.hidden ? "Show overlay" : "Hide overlay");
    b = $("btn-presence_only"); attr(b, "aria-pressed", String(!!st.presence_only));
    text(b.querySelector(".lbl"), st.presence_only ? "Expressions" : "Presence only");
    var locked = st.expressions_allowed === false;
    if (b.disabled !== locked) b.disabled = locked;
    attr(b, "title", locked ? "started with --presence-only: expressions stay off" :
                              "switch expression recognition off or on");
    b = $("btn-pick");  // the region picker (the session watches the screen)
    show(b, !!st.can_pick);
    if (b.disabled !== !!st.picking) b.disabled = !!st.picking;
    text(b.querySelector(".lbl"), st.picking ? "Drag over the gallery\u2026" : "Pick the gallery");
    var msg = st.message || "";
    text($("pick-message"), msg);
    show($("pick-message"), !!msg);
  }

  function update(data) {
    var st = Object.assign({}, data.status || {});
    if (!data.counts && st.state === "analysing") st.state = "starting";
    applyStatus(st);
    if (data.clock !== undefined) text($("clock"), data.clock);

    var c = data.counts;
    text($("n-present"), c ? c.present : "-");
    text($("n-camera-off"), c ? c.camera_off : "-");
    text($("n-away"), c ? c.away : "-");
    text($("n-participants"), c ? c.participants : "-");

    // what limits the reading now (few: rebuilt when they change)
    var notes = data.notes || [];
    var nRoot = $("notes");
    var nText = notes.join("\n");
    if (nRoot.dataset.text !== nText) {
      nRoot.dataset.text = nText;
      while (nRoot.firstChild) nRoot.removeChild(nRoot.firstChild);
      notes.forEach(function (n) { var li = document.createElement("li"); li.textContent = n; nRoot.appendChild(li); });
    }
    show($("notes-section"), notes.length > 0);

    // expressions now
    var dist = data.distribution || [];
    var po = !!data.presence_only;
    show($("distribution"), !po);
    show($("presence-note"), po);
    if (data.mix_title) text($("expressions-title"), data.mix_title);
    var wanted = new Set(dist.map(function (d) { return d.label; }));
    rows.forEach(function (row, label) { show(row, wanted.has(label)); });
    var root = $("distribution");
    for (var i = 0; i < dist.length; i++) {
      var d = dist[i];
      var row = rows.get(d.label);
      if (!row) { row = distRow(d); rows.set(d.label, row); }
      if (root.children[i] !== row) root.insertBefore(row, root.children[i] || null);  // the payload's order
      text(row.querySelector(".name"), d.text || d.label);
      var bar = row.querySelector("i");
      var w = Math.round(1000 * d.share) / 10 + "%";
      if (bar.style.width !== w) bar.style.width = w;
      if (bar.style.background !== d.color) bar.style.background = d.color;
      text(row.querySelector(".pct"), d.pct + "%");
      attr(row, "title", d.count + " participant" + (d.count === 1 ? "" : "s"));
    }

    // the class valence against each student's usual (baseline), over the last 10 minutes
    var v = data.valence;
    show($("valence-section"), !po && !!data.counts);
    if (v) {
      text($("valence-now"), v.text);
      attr($("valence-line"), "d", v.path || "");
      if (v.hint) attr($("valence-section"), "title", v.hint);
    }

    // class-wide alerts (few: rebuilt when they change)
    var ca = data.class_alerts || [];
    var caRoot = $("class-alerts");
    var caText = ca.map(function (a) { return a.text; }).join("\n");
    if (caRoot.dataset.text !== caText) {
      caRoot.dataset.text = caText;
      while (caRoot.firstChild) caRoot.removeChild(caRoot.firstChild);
      ca.forEach(function (a) { var li = document.createElement("li"); li.textContent = a.text; caRoot.appendChild(li); });
    }

    // attention list: keyed, reordered in place
    var list = data.attention || [];
    var ol = $("attention");
    var seen = new Set();
    for (var j = 0; j < list.length; j++) {
      var a = list[j];
      var li = items.get(a.key);
      if (!li) { li = attentionItem(a); items.set(a.key, li); }
      li.className = a.kind + (a.alert ? " alert" : "");
      li.dataset.id = a.id;
      text(li.children[0], a.who);
      text(li.children[1], a.what);
      text(li.children[2], a.duration);
      if (ol.children[j] !== li) ol.insertBefore(li, ol.children[j] || null);
      seen.add(a.key);
    }
    items.forEach(function (li, key) { if (!seen.has(key)) { li.remove(); items.delete(key); } });
    text($("attention-count"), list.length ? String(list.length) : "");
    show($("attention-empty"), list.length === 0 && ca.length === 0 && !!data.counts);

    updates += 1;
    return updates;
  }

  function toggle(flag) {
    if (flag === "presence_only" && status && status.expressions_allowed === false) return;
    controlLog.push(flag);
    document.dispatchEvent(new CustomEvent("classmood-control", { detail: flag }));
    var api = window.pywebview && window.pywebview.api;
    if (api && typeof api.toggle === "function") {
      api.toggle(flag).then(applyStatus);
    }
  }

  function pick() {
    if (!status || !status.can_pick || status.picking) return;
    controlLog.push("pick");
    document.dispatchEvent(new CustomEvent("classmood-control", { detail: "pick" }));
    var api = window.pywebview && window.pywebview.api;
    if (api && typeof api.pick === "function") {
      api.pick().then(applyStatus);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".controls button[data-flag]"), function (b) {
    b.addEventListener("click", function () { toggle(b.dataset.flag); });
  });
  $("btn-pick").addEventListener("click", pick);
  var keys = { p: "paused", h: "hidden", e: "presence_only" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    var k = (e.key || "").toLowerCase();
    if (k === "g") { e.preventDefault(); pick(); return; }
    var flag = keys[k];
    if (flag) { e.preventDefault(); toggle(flag); }
  });

  window.classmood = {
    update: update,
    updates: function () { return updates; },
    controls: function () { return controlLog.slice(); }
  };
})();
