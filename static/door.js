// Door mode: filter the list as the recorder types (name or pinyin initials, e.g. "zxy").
// Without JavaScript the same search is a GET form answered by the server.
(function () {
  "use strict";

  function normalise(text) { return (text || "").toLowerCase().replace(/\s+/g, ""); }

  function matches(search, query) {
    if (!query) return true;
    return search.split(" ").some(function (part) {
      return part.indexOf(query) === 0 || part.indexOf(query) !== -1;
    });
  }

  function filterRows() {
    var input = document.querySelector("[data-door-search]");
    var query = normalise(input && input.value);
    var shown = 0;
    document.querySelectorAll("[data-door-list] > li[data-search]").forEach(function (row) {
      var hit = matches(row.getAttribute("data-search"), query);
      row.hidden = !hit;
      if (hit) shown++;
    });
    var none = document.querySelector("[data-door-none]");
    if (none) none.hidden = shown > 0;
  }

  function search() {
    var input = document.querySelector("[data-door-search]");
    if (!input) return;
    input.addEventListener("input", filterRows);
    input.form.addEventListener("submit", function (event) { event.preventDefault(); filterRows(); });
    // A swapped row keeps the filter (htmx replaces it after a tap).
    document.body.addEventListener("htmx:afterSwap", filterRows);
  }

  // ---- without signal: queue on the phone, send once the network is back -------------------
  var door = document.querySelector("[data-door]");
  var KEY = door ? "partyapp-door-queue-" + door.getAttribute("data-door") : "";
  var RESULT_KEY = KEY + "-result";

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function saveQueue(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }

  function newNonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function timeText(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function state(html) {
    var box = document.querySelector("[data-door-offline]");
    if (!box) return;
    box.innerHTML = html;
    box.hidden = !html;
  }

  function showError(message) {
    if (window.partyapp && window.partyapp.showError) window.partyapp.showError(message);
    else state("⚠ " + message);
  }

  // The rows and the list of what waits: 待上传 (a name), 待核验 (a code scanned offline).
  function render() {
    var queue = loadQueue();
    var byPerson = {};
    queue.forEach(function (item) { if (item.person_id) byPerson[item.person_id] = item; });
    document.querySelectorAll("[data-door-list] > li[data-person]").forEach(function (row) {
      var item = byPerson[row.getAttribute("data-person")];
      var form = row.querySelector("[data-door-manual]");
      var tag = row.querySelector("[data-door-status]");
      if (!item || !form) return;
      form.hidden = true;
      tag.textContent = "待上传 " + timeText(item.made_at);
      tag.className = "tag tag--pending";
    });
    var card = document.querySelector("[data-door-queue-card]");
    var list = document.querySelector("[data-door-queue]");
    if (!card || !list) return;
    list.innerHTML = "";
    queue.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "list__item";
      li.textContent = (item.code ? "签到码 " + item.code + " · 待核验" : item.name + " · 待上传") +
        "（" + timeText(item.made_at) + " 签到）";
      list.appendChild(li);
    });
    card.hidden = queue.length === 0;
    if (queue.length && !navigator.onLine) {
      state("没有信号：签到先存在这部手机上（" + queue.length + " 条），有信号后自动上传。关掉页面也不会丢。");
    }
  }

  function enqueue(item) {
    var queue = loadQueue();
    item.nonce = newNonce();
    item.made_at = Date.now();
    queue.push(item);
    saveQueue(queue);
    render();
  }

  function queueForm(form) {
    if (form.matches("[data-door-manual]")) {
      var row = form.closest("li[data-person]");
      enqueue({ person_id: Number(form.elements.person_id.value),
                name: row.querySelector(".list__title").firstChild.textContent.trim() });
      return true;
    }
    if (form.matches("[data-code-form]")) {
      var code = (form.elements.code.value || "").trim().toUpperCase().slice(0, 40);
      if (!code) return false;
      enqueue({ code: code });
      form.elements.code.value = "";
      return true;
    }
    return false;
  }

  function offlineTaps() {
    // Offline: the tap is kept on the phone instead of being sent (before htmx sees it).
    document.addEventListener("submit", function (event) {
      if (navigator.onLine || !event.target.matches("[data-door-manual], [data-code-form]")) return;
      if (queueForm(event.target)) { event.preventDefault(); event.stopImmediatePropagation(); }
    }, true);
    // The signal dropped while the request was on its way: keep it too.
    document.body.addEventListener("htmx:sendError", function (event) {
      var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
      if (form && queueForm(form)) state("信号不好：这次签到先存在手机上，有信号后自动上传。");
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful && window.partyappOffline) window.partyappOffline.keepPage(true);
    });
  }

  function csrfToken() {
    var holder = document.querySelector("[hx-headers]");
    try { return JSON.parse(holder.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  var syncing = false;
  function sync() {
    var queue = loadQueue();
    if (syncing || !queue.length || !navigator.onLine) return;
    syncing = true;
    state("正在上传 " + queue.length + " 条签到…");
    fetch(door.getAttribute("data-sync-url"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify({ items: queue.map(function (item) {
        return item.code ? { nonce: item.nonce, code: item.code, made_at: item.made_at }
                         : { nonce: item.nonce, person_id: item.person_id, made_at: item.made_at };
      }) })
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || response.status === 401 || response.status === 403 || !json) {
        // Logged out or the page's form token is old: the queue stays on the phone.
        state("登录已过期（或页面太旧），签到还存在手机上，没有丢。请<a href=\"" + door.getAttribute("data-login-url") +
              "\">重新登录</a>，登录后自动上传。");
        return null;
      }
      return response.json().then(function (body) {
        if (!response.ok) { showError(body.error || "上传没有成功，稍后会再试。"); return null; }
        return body.results;
      });
    }).then(function (results) {
      if (!results) return;
      var left = loadQueue().filter(function (item) { return !results[item.nonce]; });
      var lines = queue.filter(function (item) { return results[item.nonce]; }).map(function (item) {
        return (item.name || "签到码 " + item.code) + "：" + results[item.nonce].text;
      });
      saveQueue(left);
      sessionStorage.setItem(RESULT_KEY, JSON.stringify(lines));
      location.reload();   // the list as the server now has it
    }, function () {
      state("还没有信号，签到存在手机上，稍后自动上传。");
    }).then(function () { syncing = false; });
  }

  function lastResult() {
    var lines = JSON.parse(sessionStorage.getItem(RESULT_KEY) || "[]");
    sessionStorage.removeItem(RESULT_KEY);
    if (!lines.length) return;
    var escape = function (t) { var d = document.createElement("div"); d.textContent = t; return d.innerHTML; };
    state("✓ 离线签到已上传：<br>" + lines.map(escape).join("<br>"));
  }

  function offline() {
    if (!door || !window.localStorage) return;
    lastResult();
    render();
    offlineTaps();
    window.addEventListener("online", sync);
    window.addEventListener("offline", render);
    sync();
  }

  window.partyappDoor = { filterRows: filterRows, sync: sync };

  function init() { search(); offline(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
