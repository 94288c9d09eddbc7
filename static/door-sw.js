// partyapp's service worker (scope /meetings/): every request goes to the network first;
// without signal, the copy this phone kept of the door page, the roster in it, the scanner
// and the personal code page (put there by static/offline.js) answers instead.
"use strict";
var CACHE = "partyapp-offline-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(fetch(request).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        // A page opened with a search (?q=...) falls back to the page itself.
        return hit || (request.mode === "navigate" ?
          cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true }) : undefined);
      });
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
