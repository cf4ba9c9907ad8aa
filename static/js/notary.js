// Case page actions: each button or form posts to the JSON API with the session's CSRF token, then reloads.
(function () {
  "use strict";
  // The CSRF cookie is HttpOnly: every page carries the token in a form field (base.html).
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  const box = document.querySelector(".actions");
  const errorLine = document.getElementById("case-error");
  async function send(url, body, isForm) {
    const headers = { "X-CSRFToken": csrf };
    if (!isForm) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method: "POST", credentials: "same-origin", headers, body });
    if (response.ok) { window.location.reload(); return; }
    const data = await response.json().catch(() => ({}));
    // People read the message; the machine-readable code stays on the element for scripts and tests.
    errorLine.textContent = (data.error && data.error.message) || response.statusText;
    errorLine.dataset.code = (data.error && data.error.code) || "";
  }
  if (box) {
    const base = box.dataset.case;
    box.querySelectorAll("button[data-action]").forEach((button) => {
      button.addEventListener("click", () => send(base + button.dataset.action + "/", "{}", false));
    });
    box.querySelectorAll("form[data-action]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        send(base + form.dataset.action + "/", JSON.stringify(Object.fromEntries(new FormData(form))), false);
      });
    });
  }
  document.querySelectorAll("form[data-upload]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(form.dataset.upload, new FormData(form), true);
    });
  });
})();
