/* Search with Pagefind, entirely in the browser: the index is loaded in small pieces from this
   site only. The address keeps the query (?q=), so a search can be shared, reloaded or opened
   from a link; every message comes from the page (the theme's i18n files). */
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form || !window.Promise) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var data = form.dataset;
  var found = JSON.parse(data.found || "{}");
  var lang = document.documentElement.lang;
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var PAGE = 10, engine = null, results = [], shown = 0, asked = 0, timer = null;

  function fill(text, q, n) {
    return text.replace("{q}", q).replace("{n}", n);
  }

  function count(n, q) {
    var form = plural ? plural.select(n) : "other";
    return fill(found[form] || found.other || "{n}", q, n);
  }

  /* The page names its index's bundles: the first is loaded, any other merged into it. */
  function pagefind() {
    if (!engine) {
      var bundles = (data.bundles || "").split(" ").filter(Boolean);
      engine = bundles.length ? import(bundles[0] + "pagefind.js").then(function (api) {
        return Promise.resolve(api.options({ excerptLength: 24 })).then(function () {
          return Promise.all(bundles.slice(1).map(function (b) { return api.mergeIndex(b); }));
        }).then(function () { return api; });
      }) : Promise.reject(new Error("no index"));
    }
    return engine;
  }

  /* Pagefind's excerpt is text with <mark> around the words found: rebuilt here from text
     nodes and marks only, so nothing else of it can reach the page. */
  function excerpt(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var out = document.createElement("p");
    out.className = "search-excerpt";
    holder.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(node.textContent));
      }
    });
    return out;
  }

  function item(result) {
    var li = document.createElement("li");
    var meta = document.createElement("p");
    meta.className = "meta";
    var rubric = document.createElement("span");
    rubric.className = "rubric";
    rubric.textContent = result.meta.rubric || "";
    var time = document.createElement("time");
    time.dateTime = result.meta.datetime || "";
    time.textContent = result.meta.date || "";
    meta.append(rubric, time);
    var title = document.createElement("h2");
    title.className = "card-title";
    var link = document.createElement("a");
    link.href = result.url;
    link.textContent = result.meta.title || result.url;
    title.appendChild(link);
    li.append(meta, title, excerpt(result.excerpt || ""));
    return li;
  }

  function showMore(ticket) {
    var next = results.slice(shown, shown + PAGE);
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (items) {
      if (ticket !== asked) return;
      items.forEach(function (r) { list.appendChild(item(r)); });
      shown += items.length;
      more.hidden = shown >= results.length;
    });
  }

  function run(q, ticket) {
    if (!q) {
      results = [];
      list.replaceChildren();
      list.hidden = true;
      more.hidden = true;
      status.textContent = "";
      return Promise.resolve();
    }
    status.textContent = data.loading;
    return pagefind().then(function (api) {
      return api.search(q);
    }).then(function (answer) {
      if (ticket !== asked || !answer) return;
      results = answer.results;
      shown = 0;
      list.replaceChildren();
      list.hidden = !results.length;
      return showMore(ticket).then(function () {
        if (ticket !== asked) return;
        status.textContent = results.length ? count(results.length, q) : fill(data.none, q, 0);
      });
    }).catch(function () {
      if (ticket === asked) status.textContent = data.failed;
    });
  }

  function search(remember) {
    var q = input.value.trim();
    asked += 1;
    if (remember) {
      var url = new URL(window.location.href);
      if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
      history.replaceState(null, "", url);
    }
    return run(q, asked);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    search(true);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(true); }, 300);
  });
  input.addEventListener("focus", function () { pagefind(); }, { once: true });
  more.addEventListener("click", function () {
    var first = list.children.length;
    showMore(asked).then(function () {
      var link = list.children[first] && list.children[first].querySelector("a");
      if (link) link.focus();  // keyboard users land on the first new result
    });
  });

  var q = new URLSearchParams(window.location.search).get("q");
  if (q) {
    input.value = q;
    search(false);
  }
})();
