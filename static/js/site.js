// Lexmeet pages: the browser's time zone, larger-text mode, auto-submitting selects.
(function () {
  "use strict";
  // The browser's IANA zone goes into the `tz` cookie, which the server uses for anonymous
  // viewers (config/middleware.py). Stored as is: zone names are valid cookie characters, and
  // encodeURIComponent's "Europe%2FBerlin" is not what the server reads as a zone name.
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
  if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) zone = "";

  function cookieZone() {
    var match = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
    if (!match) return "";
    try { return decodeURIComponent(match[1]); } catch (e) { return match[1]; }
  }

  var zoneStored = false; // true when this page load stored a new zone in the cookie
  if (zone && cookieZone() !== zone) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
    zoneStored = cookieZone() === zone;
  }

  // A page whose times the server rendered in a zone it guessed (data-zone-source "default",
  // no cookie yet, or "cookie", an older one) shows them again in the browser's zone: a reload
  // when the cookie now says so, else (cookies refused) the page's own ?tz= choice. Each happens
  // at most once: after it, the cookie is unchanged or the address carries tz.
  function showInBrowserZone(marker) {
    var source = marker.getAttribute("data-zone-source");
    if (!zone || marker.getAttribute("data-zone") === zone) return;
    if (source !== "default" && source !== "cookie") return; // the account's zone, or chosen on the page
    if (zoneStored) {
      location.reload();
    } else if (cookieZone() !== zone && !/[?&]tz=/.test(location.search)) {
      var url = new URL(location.href);
      url.searchParams.set("tz", zone);
      location.replace(url.toString());
    }
  }

  var root = document.documentElement;
  if (localStorage.getItem("large-text") === "1") root.classList.add("large-text");
  document.addEventListener("DOMContentLoaded", function () {
    var marker = document.querySelector("[data-zone-source]");
    if (marker) showInBrowserZone(marker);
    var button = document.getElementById("large-text");
    if (button) {
      button.setAttribute("aria-pressed", root.classList.contains("large-text") ? "true" : "false");
      button.addEventListener("click", function () {
        var on = root.classList.toggle("large-text");
        localStorage.setItem("large-text", on ? "1" : "0");
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    var browserZone = document.querySelector("[data-browser-zone]");
    if (browserZone) browserZone.textContent = zone;
    // Sign-up: start the time-zone field at the browser's zone when it is one we accept (the
    // field's suggestions), unless the visitor already typed one. Without JS it keeps the server's.
    var zoneInput = document.querySelector("input[data-browser-zone-prefill]");
    if (zoneInput && zone && zoneInput.value === zoneInput.defaultValue && zoneInput.list) {
      var accepted = Array.prototype.some.call(zoneInput.list.options, function (option) {
        return option.value === zone;
      });
      if (accepted) zoneInput.value = zone;
    }
  });
})();
