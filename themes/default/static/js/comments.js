/* Khabar comments: approved ones as text, a CLDR plural count, a form that keeps its text
   when sending fails. No framework, no cookies. Without JavaScript the form still posts. */
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-endpoint");
  if (!base || !window.fetch || !window.JSON) return;
  var lang = document.documentElement.lang || "ru";
  var forms = JSON.parse(body.getAttribute("data-comment-forms") || "{}");
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var NOTE = { 409: "duplicate", 413: "large", 429: "busy" };

  function count(n) {
    var form = plural ? plural.select(n) : "other";
    return (forms[form] || forms.other || "{n}").replace("{n}", n);
  }

  function el(tag, name, text) {
    var node = document.createElement(tag);
    node.className = name;
    node.textContent = text; // never HTML: a comment is plain text
    return node;
  }

  function get(path, pages) {
    var query = pages.map(function (p) { return "page=" + encodeURIComponent(p); }).join("&");
    return fetch(base + path + "?" + query, { credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function reader() { // the id reactions.js keeps, or a new one
    var id = null, b = crypto.getRandomValues(new Uint8Array(16)), h = "";
    try { id = localStorage.getItem("khabar.reader"); } catch (e) { /* private mode */ }
    if (id) return id;
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h += (b[i] + 256).toString(16).slice(1);
    id = h.replace(/(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    try { localStorage.setItem("khabar.reader", id); } catch (e) { /* new each visit */ }
    return id;
  }

  function article(box) {
    var page = box.getAttribute("data-page");
    var months = JSON.parse(box.getAttribute("data-months"));
    var list = box.querySelector(".comment-list");
    var total = box.querySelector(".comments-count");
    var none = total.textContent;
    var token = null;
    // The site's own time zone, whatever the reader's: dates read as the article's do.
    var parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: box.getAttribute("data-tz"), year: "numeric", month: "numeric",
      day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    });

    function when(iso) {
      var p = {};
      parts.formatToParts(new Date(iso)).forEach(function (x) { p[x.type] = x.value; });
      return +p.day + " " + months[p.month - 1] + " " + p.year + ", " + p.hour + ":" + p.minute;
    }

    get("comments", [page]).then(function (data) {
      token = data.form_token;
      data.comments.forEach(function (c) {
        var item = el("li", "comment", ""), meta = el("p", "comment-meta", "");
        var time = el("time", "", when(c.date));
        time.dateTime = c.date;
        meta.append(el("b", "comment-author", c.name), " ", time);
        item.id = "comment-" + c.id;
        item.append(meta, el("p", "comment-text", c.text));
        list.appendChild(item);
      });
      total.textContent = data.count ? count(data.count) : none;
      total.hidden = false;
      list.hidden = !data.comments.length;
    }).catch(function () { box.querySelector(".comments-down").hidden = false; });
    send(box.querySelector(".comment-form"), page, function () { return token; });
  }

  function send(form, page, token) {
    var say = form.querySelector(".comment-message");
    var button = form.querySelector("button[type=submit]");
    var label = button.textContent;
    function field(name) { return form.querySelector("[name=" + name + "]"); }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = { page: page, name: field("name").value, text: field("text").value,
                   reader: reader(), lang: lang, website: field("website").value };
      if (token()) data.form_token = token();
      button.disabled = true;
      button.textContent = button.getAttribute("data-sending");
      fetch(base + "comments", {
        method: "POST", credentials: "omit", body: JSON.stringify(data),
        headers: { "Content-Type": "application/json" }
      }).then(function (r) {
        if (r.status === 202) return null;
        return r.json().catch(function () { return {}; }).then(function (e) {
          if (e.error === "too_many_links") return "links";
          return NOTE[r.status] || (r.status === 422 ? "invalid" : "down");
        });
      }, function () { return "down"; }).then(function (kind) {
        button.disabled = false;
        button.textContent = label;
        var note = document.getElementById(kind ? "comment-error-" + kind : "comment-sent");
        // On failure the text stays, and the message says so.
        say.textContent = note.textContent + (kind ? " " + say.getAttribute("data-kept") : "");
        say.className = "comment-message" + (kind ? " comment-error" : "");
        if (!kind) field("text").value = "";
      });
    });
  }

  document.querySelectorAll(".comments[data-page]").forEach(article);
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card-comments[data-page]"));
  for (var i = 0; i < cards.length; i += 50) {
    (function (batch) {
      var pages = batch.map(function (c) { return c.getAttribute("data-page"); });
      get("comments/counts", pages).then(function (data) {
        batch.forEach(function (card) {
          var n = data.pages[card.getAttribute("data-page")];
          if (n) { card.textContent = count(n); card.hidden = false; }
        });
      }).catch(function () { /* a bonus: stay quiet */ });
    })(cards.slice(i, i + 50));
  }
})();
