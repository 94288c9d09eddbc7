// Keeps a page for use without signal (the door, the personal code): registers the service
// worker and stores this page and its scripts and styles on the phone. Where the browser has
// no service workers (iOS WeChat) or blocks them, the page says so and works online as before.
(function () {
  "use strict";
  var CACHE = "partyapp-offline-v1";
  var root = document.querySelector("[data-offline-page]");
  if (!root) return;

  function show(selector) {
    document.querySelectorAll(selector).forEach(function (el) { el.hidden = false; });
  }

  function assets() {
    var urls = [location.pathname, "/favicon.ico"];
    document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (el) {
      var url = new URL(el.getAttribute("src") || el.getAttribute("href"), location.href);
      if (url.origin === location.origin) urls.push(url.pathname + url.search);
    });
    return urls;
  }

  // Store (or refresh) this page and what it needs; only with signal. After a tap only the
  // page itself is fetched again (its scripts and styles have not changed).
  function keepPage(pageOnly) {
    if (!navigator.onLine || !window.caches) return Promise.resolve(false);
    return caches.open(CACHE).then(function (cache) {
      return cache.addAll(pageOnly === true ? [location.pathname] : assets());
    }).then(function () { show("[data-offline-ready]"); return true; },
            function () { return false; });
  }

  var ready = new Promise(function (resolve) {
    if (!("serviceWorker" in navigator) || !window.caches) { resolve(false); return; }
    navigator.serviceWorker.register(root.getAttribute("data-sw-url")).then(function (reg) {
      // A blocked registration may "succeed" with nothing registered.
      resolve(!!(reg && (reg.active || reg.installing || reg.waiting)));
    }, function () { resolve(false); });
  }).then(function (supported) {
    if (!supported) { show("[data-offline-unsupported]"); return false; }
    return keepPage().then(function () { return true; });
  });

  window.partyappOffline = { ready: ready, keepPage: keepPage };
})();
