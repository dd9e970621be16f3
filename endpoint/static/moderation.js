/* Khabar moderators' page. No framework and nothing from another origin (the page's
   Content-Security-Policy allows only this file). What readers wrote is only ever inserted
   with textContent, never as HTML. The token stays in this browser's localStorage. */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("strings").textContent);
  var TOKEN = "khabar.moderator", LANG = "khabar.moderation.lang", PAGE = 100;
  var lang = chooseLanguage();
  var token = load(TOKEN);
  var status = "pending";
  var oldest = null;

  function $(id) { return document.getElementById(id); }

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function save(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* private mode: signed in for this visit only */ }
  }

  function chooseLanguage() {
    var wanted = load(LANG) || (navigator.language || "").slice(0, 2);
    return S[wanted] ? wanted : "ru";
  }

  function t(key, params) {
    var text = S[lang][key] || S.ru[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(params[name]));
    });
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function translate() {
    document.documentElement.lang = lang;
    document.title = t("title");
    document.querySelectorAll("[data-t]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-t"));
    });
    document.querySelectorAll("[data-t-label]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-t-label")));
    });
    document.querySelectorAll("[data-lang]").forEach(function (button) {
      var code = button.getAttribute("data-lang");
      button.textContent = S[code].lang;
      button.setAttribute("aria-pressed", code === lang ? "true" : "false");
    });
  }

  function say(text) { $("status").textContent = text; }

  function api(method, path, body) {
    var options = {
      method: method,
      credentials: "omit",
      cache: "no-store",
      headers: { Authorization: "Bearer " + token }
    };
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (!answer.ok) {
          var failure = new Error(data.error || String(answer.status));
          failure.status = answer.status;
          throw failure;
        }
        return data;
      });
    });
  }

  function failed(error) {
    if (error.status === 401) return signOut(error.message);
    say(t("down"));
  }

  function signIn(event) {
    event.preventDefault();
    token = $("token").value.trim();
    api("GET", "me").then(function (me) {
      save(TOKEN, token);
      $("token").value = "";
      showQueue(me.name);
    }).catch(function (error) {
      if (error.status === 401) return signOut(error.message);
      $("signin-error").textContent = t("down");
      $("signin-error").hidden = false;
    });
  }

  function signOut(reason) {
    token = null;
    save(TOKEN, null);
    $("queue").hidden = true;
    $("signin").hidden = false;
    var box = $("signin-error");
    box.hidden = !reason;
    box.textContent = reason === "moderation_closed" ? t("signin.closed") : t("signin.wrong");
    $("token").focus();
  }

  function showQueue(name) {
    $("who").textContent = t("signin.as", { name: name });
    $("signin").hidden = true;
    $("signin-error").hidden = true;
    $("queue").hidden = false;
    show(status);
  }

  function show(which, note) {
    status = which;
    oldest = null;
    $("list").textContent = "";
    $("all").checked = false;
    document.querySelectorAll("[data-status]").forEach(function (tab) {
      tab.setAttribute("aria-pressed", tab.getAttribute("data-status") === which ? "true" : "false");
    });
    document.querySelectorAll("[data-bulk]").forEach(function (button) {
      var action = button.getAttribute("data-bulk");
      button.hidden = !allowed(which).includes(action);
    });
    more(note);
  }

  function allowed(which) {
    return { pending: ["approve", "reject"], approved: ["reject", "delete"],
             rejected: ["approve", "delete"] }[which];
  }

  function more(note) {
    var query = "comments?status=" + status + "&limit=" + PAGE + (oldest ? "&before=" + oldest : "");
    api("GET", query).then(function (data) {
      data.comments.forEach(function (comment) {
        $("list").appendChild(item(comment));
        oldest = comment.id;
      });
      document.querySelectorAll("[data-status]").forEach(function (tab) {
        tab.querySelector(".total").textContent = "(" + data.totals[tab.getAttribute("data-status")] + ")";
      });
      $("more").hidden = data.comments.length < PAGE;
      var empty = $("list").children.length ? "" : t("empty");
      say([note, empty].filter(Boolean).join(" "));
    }).catch(failed);
  }

  function item(comment) {
    var row = el("li", "item");
    row.setAttribute("data-id", comment.id);
    var pick = el("label", "pick");
    var box = el("input");
    box.type = "checkbox";
    box.value = comment.id;
    box.setAttribute("aria-label", t("select", { id: comment.id }));
    pick.appendChild(box);
    var body = el("div", "body");
    var meta = el("p", "meta");
    var when = el("time", null, new Date(comment.date).toLocaleString(lang === "tt" ? "tt-RU" : "ru-RU"));
    when.dateTime = comment.date;
    meta.append(el("span", "name", comment.name), " · ", when, " · ", link(comment));
    body.append(meta, el("p", "text", comment.text));
    if (comment.decided_by) body.appendChild(el("p", "meta", t("decided_by", { name: comment.decided_by })));
    var actions = el("p", "actions");
    allowed(comment.status).forEach(function (action) {
      var button = el("button", null, t(action));
      button.type = "button";
      button.setAttribute("data-act", action);
      actions.appendChild(button);
    });
    body.appendChild(actions);
    row.append(pick, body);
    return row;
  }

  function link(comment) {
    var anchor = el("a", null, comment.title || comment.page);
    var url = comment.url || comment.page;
    if (/^(https?:\/\/|\/)/.test(url)) anchor.href = url;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    return anchor;
  }

  function decide(action, ids) {
    if (!ids.length) return;
    if (action === "delete" && !window.confirm(t("confirm_delete"))) return;
    var done = ids.length === 1
      ? api("POST", "comments/" + ids[0], { action: action }).then(function () { return ids; })
      : api("POST", "comments", { action: action, ids: ids.map(Number) }).then(function (data) {
          return data.done.map(function (d) { return String(d.id); });
        });
    done.then(function (gone) {
      gone.forEach(function (id) {
        var row = document.querySelector('.item[data-id="' + Number(id) + '"]');
        if (row) row.remove();
      });
      $("all").checked = false;
      if ($("list").children.length) say(t("done", { n: gone.length }));
      else show(status, t("done", { n: gone.length })); // the next ones, if any
    }).catch(failed);
  }

  function selected() {
    return Array.prototype.map.call(
      document.querySelectorAll("#list input[type=checkbox]:checked"),
      function (box) { return box.value; }
    );
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-lang")) {
      lang = target.getAttribute("data-lang");
      save(LANG, lang);
      translate();
      if (!$("queue").hidden) show(status);
    } else if (target.hasAttribute("data-status")) {
      show(target.getAttribute("data-status"));
    } else if (target.hasAttribute("data-act")) {
      decide(target.getAttribute("data-act"), [target.closest(".item").getAttribute("data-id")]);
    } else if (target.hasAttribute("data-bulk")) {
      decide(target.getAttribute("data-bulk"), selected());
    } else if (target.id === "more") {
      more("");
    } else if (target.id === "signout") {
      signOut(null);
    }
  });
  $("all").addEventListener("change", function () {
    var on = $("all").checked;
    document.querySelectorAll("#list input[type=checkbox]").forEach(function (box) { box.checked = on; });
  });
  $("signin").addEventListener("submit", signIn);

  translate();
  if (token) {
    api("GET", "me").then(function (me) { showQueue(me.name); }).catch(function (error) {
      signOut(error.status === 401 ? error.message : null);
      if (error.status !== 401) {
        $("signin-error").textContent = t("down");
        $("signin-error").hidden = false;
      }
    });
  } else {
    signOut(null);
  }
})();
