/* Khabar's part of the editors' UI, loaded after Decap CMS (no framework of its own:
   Decap's globals `h` and `createClass`):
   - which language a file is in: the folder after content/ (content/tt/2026/x.md is tt);
   - URL slugs by Khabar's rules: `khabarSlugify` is a port of generator/slugs.py, and a
     test runs both over many strings;
   - the preview in the site's own stylesheet and article layout, its text made by the
     build's own Markdown and typography (generator/preview.py) run in Pyodide. */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("khabar-cms").textContent);

  window.khabarLocaleOf = function (path) {
    var parts = path.split("/");
    var at = parts.indexOf(settings.folder);
    if (at >= 0 && settings.locales.indexOf(parts[at + 1]) >= 0) return parts[at + 1];
    parts.pop();
    return parts.pop();
  };

  // Asked by Decap (patched at build) before it writes one language of an article: a
  // language without a title has not been written yet, so it gets no file.
  window.khabarWritten = function (locale, data) {
    return Boolean(data && data.get && data.get("title"));
  };

  var TATAR = { "ә": "а", "ө": "о", "ү": "у", "җ": "ж", "ң": "н", "һ": "h" };
  var RUSSIAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya"
  };
  var SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

  function letter(ch) {
    if (Object.prototype.hasOwnProperty.call(RUSSIAN, ch)) return RUSSIAN[ch];
    if (Object.prototype.hasOwnProperty.call(TATAR, ch)) {
      var near = TATAR[ch];
      return Object.prototype.hasOwnProperty.call(RUSSIAN, near) ? RUSSIAN[near] : near;
    }
    return ch;
  }

  function transliterate(text) {
    var out = "";
    for (var ch of text.normalize("NFC").toLowerCase()) out += letter(ch);
    return out.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function slugify(text, maxLength) {
    var max = maxLength || 80;
    var slug = transliterate(text).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    if (slug.length > max) {
      var cut = slug.slice(0, max);
      var dash = cut.lastIndexOf("-");
      slug = (dash >= 0 ? cut.slice(0, dash) : cut) || cut;
    }
    return slug;
  }
  window.khabarSlugify = slugify;

  // Dates on the site's clock (site.yaml `timezone`), whatever the editor's computer says:
  // the field shows and takes the site's wall-clock time and writes it with its offset.
  var clock = new Intl.DateTimeFormat("en-CA", {
    timeZone: settings.timezone, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
  });
  var STORED = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

  function wallClock(ms) {
    var out = {};
    clock.formatToParts(new Date(ms)).forEach(function (part) { out[part.type] = part.value; });
    return out;
  }
  function offsetAt(ms) { // minutes east of UTC on the site's clock at that instant
    var w = wallClock(ms);
    var asUtc = Date.UTC(+w.year, +w.month - 1, +w.day, +w.hour, +w.minute, +w.second);
    return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function siteInput(value) { // a stored date -> "YYYY-MM-DDTHH:mm" on the site's clock
    var m = STORED.exec(String(value || "").trim());
    if (!m) return "";
    var wall = m[1] + "T" + (m[2] || "00:00");
    if (!m[3]) return wall; // no offset: already the site's clock, as Khabar reads it
    var offset = m[3] === "Z" ? "Z" : m[3].slice(0, 3) + ":" + m[3].slice(-2);
    var w = wallClock(Date.parse(wall + ":00" + offset));
    return w.year + "-" + w.month + "-" + w.day + "T" + w.hour + ":" + w.minute;
  }
  function siteStored(input) { // "YYYY-MM-DDTHH:mm" on the site's clock -> ISO 8601 + offset
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(input || "");
    if (!m) return "";
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    var offset = offsetAt(wall - offsetAt(wall) * 60000);
    var abs = Math.abs(offset);
    return input + ":00" + (offset < 0 ? "-" : "+") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  }
  function siteNow() { return siteStored(siteInput(new Date().toISOString())); }
  window.khabarSiteTime = { input: siteInput, stored: siteStored };

  if (!window.CMS) return; // the page failed to load Decap: nothing more to register
  var h = window.h;
  var createClass = window.createClass;

  function titleOf(entry, locale) {
    var path = locale && locale !== settings.defaultLocale
      ? ["i18n", locale, "data", "title"] : ["data", "title"];
    return entry.getIn(path) || "";
  }

  // Decap re-renders a field only when its own value changes, so the title field (ours too)
  // tells the slug field of its language about every keystroke.
  var titleListeners = {};
  function localeOf(props) { return props.locale || settings.defaultLocale; }

  function textInput(control, onChange) {
    return h("input", {
      type: "text",
      id: control.props.forID,
      className: control.props.classNameWrapper,
      value: control.props.value || "",
      onChange: onChange,
      onFocus: control.props.setActiveStyle,
      onBlur: control.props.setInactiveStyle
    });
  }

  var TitleControl = createClass({
    handleChange: function (event) {
      var title = event.target.value;
      this.props.onChange(title);
      (titleListeners[localeOf(this.props)] || []).forEach(function (listen) { listen(title); });
    },
    render: function () { return textInput(this, this.handleChange); }
  });

  // The URL slug follows the title while the article (or this language of it) is new;
  // typing in the field stops that. An old article's address never changes by itself.
  var SlugControl = createClass({
    componentDidMount: function () {
      var entry = this.props.entry;
      var fresh = entry.get("newRecord") || !titleOf(entry, this.props.locale);
      this.follows = Boolean(fresh) && !this.props.value;
      var locale = localeOf(this.props);
      this.listen = this.follow.bind(this);
      (titleListeners[locale] = titleListeners[locale] || []).push(this.listen);
    },
    componentWillUnmount: function () {
      var list = titleListeners[localeOf(this.props)] || [];
      list.splice(list.indexOf(this.listen), 1);
    },
    follow: function (title) {
      var wanted = slugify(title);
      if (this.follows && wanted !== (this.props.value || "")) this.props.onChange(wanted);
    },
    isValid: function () {
      var value = this.props.value;
      if (!value || SLUG_RE.test(value)) return true;
      var words = settings.words[localeOf(this.props)];
      return { error: { message: words.slugInvalid.replace("{slug}", slugify(value)) } };
    },
    handleChange: function (event) {
      this.follows = event.target.value === "";
      this.props.onChange(event.target.value);
    },
    render: function () { return textInput(this, this.handleChange); }
  });
  window.CMS.registerWidget("khabar-title", TitleControl);

  var DateControl = createClass({
    componentDidMount: function () {
      if (this.props.value === "{{now}}") this.props.onChange(siteNow());
    },
    render: function () {
      var props = this.props;
      var words = settings.words[localeOf(props)];
      return h("div", { className: props.classNameWrapper },
        h("input", {
          type: "datetime-local",
          id: props.forID,
          value: siteInput(props.value),
          onChange: function (event) { props.onChange(siteStored(event.target.value)); },
          onFocus: props.setActiveStyle,
          onBlur: props.setInactiveStyle,
          disabled: props.isDisabled
        }), " ",
        h("button", { type: "button", disabled: props.isDisabled,
                      onClick: function () { props.onChange(siteNow()); } }, words.now), " ",
        h("button", { type: "button", disabled: props.isDisabled,
                      onClick: function () { props.onChange(""); } }, words.clear));
    }
  });
  window.CMS.registerWidget("khabar-datetime", DateControl);
  window.CMS.registerWidget("khabar-slug", SlugControl);

  function previewLang(entry) {
    var data = entry.get("data");
    for (var i = 0; i < settings.locales.length; i++) {
      if (entry.getIn(["i18n", settings.locales[i], "data"]) === data) return settings.locales[i];
    }
    return settings.defaultLocale;
  }

  function when(value, lang) {
    var moment = value ? new Date(value) : null;
    if (!moment || isNaN(moment.getTime())) return "";
    return moment.toLocaleString(lang, {
      day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit"
    });
  }

  // The preview's text comes from the build's own code (generator/preview.py) run by
  // Pyodide in a worker (khabar-preview-worker.js), started when the CMS opens, from this
  // site (then from the browser's cache). Until it is ready, or if it cannot load or fails
  // on a text, Decap's own Markdown stands in and a line says so.
  var previewState = "loading"; // then "ready", "failed" (could not load) or "broken"
  var worker = null;
  var answers = new Map(); // request key -> {html} or {error}; the latest few
  var asked = new Set(); // request keys the worker is working on (a key is its request's id)
  var waiting = new Set(); // previews to draw again when an answer comes

  function redraw() { waiting.forEach(function (preview) { preview.forceUpdate(); }); }

  function startPreview() {
    if (worker || typeof Worker === "undefined") return;
    var here = window.location.href;
    worker = new Worker(settings.worker, { type: "module" });
    worker.onmessage = function (event) {
      var message = event.data;
      if (message.ready) previewState = "ready";
      else if (message.failed) {
        previewState = "failed";
        console.error("khabar: the site's preview could not load:", message.failed);
      } else {
        asked.delete(message.id);
        answers.set(message.id, message);
        if (answers.size > 64) answers.delete(answers.keys().next().value);
        if (message.fatal) { previewState = "broken"; worker.terminate(); }
        if (message.error) console.error("khabar: the site's preview failed on a text:", message.error);
      }
      redraw();
    };
    worker.onerror = function (event) {
      previewState = previewState === "ready" ? "broken" : "failed";
      console.error("khabar: the site's preview stopped:", event.message);
      redraw();
    };
    worker.postMessage({ start: {
      pyodide: new URL(settings.pyodide, here).href, preview: new URL(settings.preview, here).href
    } });
  }

  // The site's HTML for a text, if the worker has answered; asks it otherwise (the answer
  // draws the preview again). null: not (yet) to be had.
  function site(kind, text, lang, path) {
    var key = [kind, lang, path, text].join("\u0000");
    var answer = answers.get(key);
    if (answer) return answer.error ? null : answer.html;
    if (previewState === "ready" && !asked.has(key)) {
      asked.add(key);
      worker.postMessage({ id: key, kind: kind, text: text, lang: lang, path: path });
    }
    return undefined;
  }

  function escapeRe(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  var PLACEHOLDER = new RegExp("(href|src)=\"(" + escapeRe(settings.placeholders.article) + "|" +
    escapeRe(settings.placeholders.root) + ")([^\"]*)\"", "g");
  var decoder = document.createElement("textarea"); // RCDATA: decodes, never makes elements
  function unescaped(value) { decoder.innerHTML = value; return decoder.value; }
  function attribute(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  // The build's placeholders, resolved as the build would where the browser can: a photo is
  // the CMS's copy (the site publishes only resized variants, and an upload not yet committed
  // has no address at all); a site path is under the base path; another article's address
  // is known only to the build.
  function resolved(html, getAsset) {
    return html.replace(PLACEHOLDER, function (all, attr, kind, target) {
      if (kind === settings.placeholders.article) return attr + "=\"#\" data-khabar-article=\"" + target + "\"";
      if (attr === "src") return "src=\"" + attribute(photo(getAsset, unescaped(target))) + "\"";
      return attr + "=\"" + settings.basePath + target + "\"";
    });
  }

  // A photo's address in the preview, from the CMS: it reads static/images/NAME from the
  // repository (or has the upload not yet committed). Decap takes a path with a leading
  // slash for a public URL and the site publishes only resized variants, so the slash goes.
  function photo(getAsset, path) {
    return String(getAsset(String(path).replace(/^\/+/, "")));
  }

  // The file of the side being shown: Decap gives the default language's path for both.
  function pathIn(path, lang) {
    var parts = (path || "").split("/");
    if (parts[0] === settings.folder && parts.length > 2) parts[1] = lang;
    return parts.join("/");
  }

  // The article as the theme's article.html lays it out, inside the site's stylesheet.
  var ArticlePreview = createClass({
    componentDidMount: function () { waiting.add(this); startPreview(); },
    componentWillUnmount: function () { waiting.delete(this); },
    body: function (data, lang) {
      var path = pathIn(this.props.entry.get("path"), lang);
      var html = site("body", data.get("body") || "", lang, path);
      if (html === undefined && this.shownHtml !== undefined) html = this.shownHtml; // until the answer
      if (typeof html === "string") {
        this.shownHtml = html;
        return [null, h("div", { className: "body", "data-khabar-preview": "site",
          dangerouslySetInnerHTML: { __html: resolved(html, this.props.getAsset) } })];
      }
      var words = settings.words[settings.defaultLocale];
      var note = html === null ? words.previewBroken // the worker failed on this text
        : { loading: words.previewLoading, failed: words.previewFailed,
            broken: words.previewBroken }[previewState]; // none: its answer is on the way
      var shown = note
        ? h("p", { role: "status", style: { fontSize: "0.875rem", color: "#4a5261" } }, note)
        : null;
      return [shown, h("div", { className: "body", "data-khabar-preview": "decap" },
        this.props.widgetFor("body"))];
    },
    text: function (value, lang) {
      var html = value ? site("text", value, lang, "") : "";
      return typeof html === "string" ? html : value || "";
    },
    render: function () {
      var entry = this.props.entry;
      var data = entry.get("data");
      var lang = previewLang(entry);
      var words = settings.words[lang];
      var rubric = (settings.rubrics[data.get("category")] || {})[lang] || "";
      var image = data.get("image");
      var credit = data.get("image_credit");
      var tags = data.get("tags");
      tags = tags && tags.toJS ? tags.toJS() : [];
      var body = this.body(data, lang);
      return h("main", { id: "main", lang: lang },
        body[0],
        h("article", { className: "article" },
          h("header", null,
            h("p", { className: "meta" },
              h("span", { className: "rubric" }, rubric), " ",
              h("time", null, when(data.get("date"), lang))),
            h("h1", null, this.text(data.get("title"), lang)),
            data.get("lead") ? h("p", { className: "lead" }, this.text(data.get("lead"), lang)) : null),
          image ? h("figure", { className: "cover" },
            h("img", { src: photo(this.props.getAsset, image), alt: data.get("image_alt") || "" }),
            credit ? h("figcaption", null, words.photo.replace("{credit}", credit)) : null) : null,
          body[1],
          data.get("author") ? h("p", { className: "author" }, words.author + ": " + data.get("author")) : null,
          tags.length ? h("p", { className: "tags" }, h("span", null, words.tags + ":"), " " + tags.join(", ")) : null));
    }
  });
  // Pyodide takes seconds to start, cache or not: begin while the editor finds her article.
  startPreview();
  window.CMS.registerPreviewStyle(settings.stylesheet);
  window.CMS.registerPreviewTemplate("articles", ArticlePreview);
})();
