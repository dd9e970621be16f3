/* Khabar reactions widget: five buttons with counters, one reaction per reader per article.
   No cookies, no framework. Without JavaScript, or with the endpoint down, the page stays whole:
   the buttons stay disabled and a short message explains. */
(function () {
  "use strict";
  var body = document.body;
  var endpoint = body.getAttribute("data-reactions");
  if (!endpoint || !window.fetch || !window.JSON) return;
  var lang = document.documentElement.lang || "ru";
  var forms = JSON.parse(body.getAttribute("data-reaction-forms") || "{}");
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;

  function store(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(key);
      window.localStorage.setItem(key, value);
    } catch (e) { /* private mode: the reader is new on every visit */ }
    return value;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = "";
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function reader() {
    return store("khabar.reader") || store("khabar.reader", uuid());
  }

  function countText(n) {
    var form = plural ? plural.select(n) : "other";
    return (forms[form] || forms.other || "{n}").replace("{n}", n);
  }

  function get(pages) {
    var query = pages.map(function (p) { return "page=" + encodeURIComponent(p); }).join("&");
    return fetch(endpoint + "?" + query, { credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function say(widget, key) {
    var box = widget.querySelector(".reaction-message");
    box.textContent = widget.getAttribute("data-msg-" + key);
    box.hidden = false;
  }

  function show(widget, counts, mine) {
    widget.querySelectorAll("button[data-kind]").forEach(function (button) {
      var kind = button.getAttribute("data-kind");
      button.querySelector(".reaction-count").textContent = counts[kind] || 0;
      button.setAttribute("aria-pressed", kind === mine ? "true" : "false");
      button.disabled = false;
    });
  }

  function react(widget, page, kind) {
    fetch(endpoint, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ page: page, reaction: kind, reader: reader() })
    }).then(function (r) {
      if (r.status !== 201 && r.status !== 409) throw new Error(r.status);
      return r.json().then(function (data) {
        store("khabar.mine:" + page, data.mine);
        if (data.counts) show(widget, data.counts, data.mine);
        if (r.status === 409) say(widget, "once");
        else widget.querySelector(".reaction-message").hidden = true;
      });
    }).catch(function () { say(widget, "down"); });
  }

  function article(widget) {
    var page = widget.getAttribute("data-page");
    widget.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-kind]");
      if (button && !button.disabled) react(widget, page, button.getAttribute("data-kind"));
    });
    get([page]).then(function (data) {
      show(widget, data.pages[page] || {}, store("khabar.mine:" + page));
    }).catch(function () { say(widget, "down"); });
  }

  function listing(cards) {
    var pages = cards.map(function (c) { return c.getAttribute("data-page"); });
    for (var i = 0; i < pages.length; i += 50) {
      get(pages.slice(i, i + 50)).then(function (data) {
        cards.forEach(function (card) {
          var counts = data.pages[card.getAttribute("data-page")];
          if (!counts) return;
          var total = Object.keys(counts).reduce(function (s, k) { return s + counts[k]; }, 0);
          if (total > 0) {
            card.textContent = countText(total);
            card.hidden = false;
          }
        });
      }).catch(function () { /* counts on cards are a bonus: stay quiet */ });
    }
  }

  document.querySelectorAll(".reactions[data-page]").forEach(article);
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card-reactions[data-page]"));
  if (cards.length) listing(cards);
})();
