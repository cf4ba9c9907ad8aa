// Lexmeet pages: remember the browser's time zone, larger-text mode, auto-submitting selects.
(function () {
  "use strict";
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browser: the server falls back to UTC or the account's zone */ }

  var root = document.documentElement;
  if (localStorage.getItem("large-text") === "1") root.classList.add("large-text");
  document.addEventListener("DOMContentLoaded", function () {
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
    if (browserZone) {
      try { browserZone.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) {}
    }
  });
})();
