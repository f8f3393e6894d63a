// The overlay page: classmood.update(payload) places one badge per participant.
// Elements are kept per participant id and changed in place (no re-render, no flicker).
// Positions come in screen pixels relative to the window; CSS pixels = screen / devicePixelRatio.
(function () {
  "use strict";
  var root = document.getElementById("badges");
  var indicator = document.getElementById("indicator");
  var badges = new Map();
  var updates = 0;

  function px(v) { return Math.round(v * 100) / 100 + "px"; }
  function set(style, key, value) { if (style[key] !== value) style[key] = value; }
  function text(el, value) { if (el.textContent !== value) el.textContent = value; }

  function place(el, b, s) {
    set(el.style, "left", px(b.x * s));
    set(el.style, "top", px(b.y * s));
    set(el.style, "width", px(b.w * s));
    set(el.style, "height", px(b.h * s));
    // the paddings and the gap the box was sized with (layout.py) are screen pixels too:
    // at a scale factor of 2 fixed CSS pixels would take twice the room and clip the text
    set(el.style, "padding", "0 " + px(6 * s));
    set(el.style, "gap", px(4 * s));
  }

  function makeBadge(id) {
    var el = document.createElement("div");
    el.className = "badge";
    el.dataset.id = id;
    var dot = document.createElement("span");
    dot.className = "dot";
    var txt = document.createElement("span");
    txt.className = "txt";
    el.appendChild(dot);
    el.appendChild(txt);
    root.appendChild(el);
    return el;
  }

  function update(data) {
    var s = 1 / (window.devicePixelRatio || 1);
    var seen = new Set();
    var list = data.badges || [];
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      var el = badges.get(b.id);
      if (!el) { el = makeBadge(b.id); badges.set(b.id, el); }
      place(el, b, s);
      set(el.style, "fontSize", px(b.font * s));
      set(el.style, "background", b.color);
      if (el.dataset.kind !== b.kind) el.dataset.kind = b.kind;
      if (el.dataset.label !== b.label) el.dataset.label = b.label;
      el.classList.toggle("compact", !!b.compact);
      if (b.compact) set(el.style, "padding", "0");  // the dot alone, centred
      if (el.title !== b.text) el.title = b.text;
      text(el.lastChild, b.text);
      seen.add(b.id);
    }
    badges.forEach(function (el, id) {
      if (!seen.has(id)) { el.remove(); badges.delete(id); }
    });
    var ind = data.indicator;
    if (ind) {
      place(indicator, ind, s);
      set(indicator.style, "fontSize", px(11 * s));
      indicator.classList.toggle("paused", ind.state === "paused");
      text(indicator.lastChild, ind.text);
      if (indicator.hidden) indicator.hidden = false;
    } else if (!indicator.hidden) {
      indicator.hidden = true;
    }
    updates += 1;
    return updates;
  }

  window.classmood = {
    update: update,
    count: function () { return badges.size; },
    // ids of the badges whose text does not fit its box (it would show cut, with an ellipsis)
    clipped: function () {
      var out = [];
      badges.forEach(function (el, id) {
        var t = el.lastChild;
        if (!el.classList.contains("compact") && t.scrollWidth > t.clientWidth) out.push(id);
      });
      return out;
    },
    updates: function () { return updates; }
  };
})();
