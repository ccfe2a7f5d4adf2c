/* SISTRA — the clinic app's service worker (Workbox from npm, served by SISTRA). It keeps the app shell (the
   app page and its static files) so that the app opens without network; records never pass through it: they
   live encrypted in IndexedDB. Served from /clinica/sw.js so its scope is /clinica/. */
/* global workbox, importScripts */
"use strict";

var params = new URL(self.location.href).searchParams;
var prefix = params.get("workbox") || "";
var shellUrl = params.get("shell") || "";
// only same-origin paths: a registration cannot make this worker load a script from elsewhere
if (!/^\/(?!\/)/.test(prefix) || !/^\/(?!\/)/.test(shellUrl)) {
  throw new Error("invalid service worker parameters");
}
importScripts(prefix + "/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: prefix, debug: false });
workbox.loadModule("workbox-core");
workbox.loadModule("workbox-routing");
workbox.loadModule("workbox-strategies");

var SHELL = "sistra-clinica-shell";
var STATIC = "sistra-clinica-static";
var match = { ignoreVary: true };

self.addEventListener("install", function (event) {
  event.waitUntil(
    fetch(shellUrl, { credentials: "same-origin" }).then(function (response) {
      return response.json();
    }).then(function (shell) {
      var page = shell.urls[0];
      return Promise.all([
        caches.open(SHELL).then(function (cache) { return cache.add(page); }),
        caches.open(STATIC).then(function (cache) { return cache.addAll(shell.urls.slice(1)); })
      ]);
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

workbox.routing.registerRoute(
  function (ctx) { return ctx.request.mode === "navigate" && ctx.url.pathname.indexOf("/clinica/app/") === 0; },
  new workbox.strategies.NetworkFirst({ cacheName: SHELL, networkTimeoutSeconds: 4, matchOptions: match })
);
workbox.routing.registerRoute(
  function (ctx) { return ctx.request.method === "GET" && ctx.url.origin === self.location.origin &&
    ctx.url.pathname.indexOf("/static/") === 0; },
  new workbox.strategies.StaleWhileRevalidate({ cacheName: STATIC, matchOptions: match })
);
