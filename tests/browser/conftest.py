"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

Every test here is marked ``browser`` and skips, with the reason, when
/usr/bin/chromium or the Playwright package is absent. axe-core comes from
``node_modules`` (``npm ci``; CI installs it).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    reason = None
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        reason = f"browser: {CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "browser: the playwright package is not installed"
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


_SHARED: dict = {"users": 0}


def browser_acquire():
    """The session's one Chromium (Playwright's sync API allows one per thread); counted, see ``browser_release``.

    tests/browser and tests/e2e each have a session ``browser`` fixture; both share this one.
    """
    if _SHARED["users"] == 0:
        # Playwright's sync API runs an event loop in this thread; the ORM calls our
        # tests make between page actions are still plain synchronous calls.
        _SHARED["previous"] = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        from playwright.sync_api import sync_playwright

        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = _SHARED["playwright"].chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _SHARED["users"] += 1
    return _SHARED["browser"]


def browser_release() -> None:
    _SHARED["users"] -= 1
    if _SHARED["users"] == 0:
        try:
            _SHARED.pop("browser").close()
            _SHARED.pop("playwright").stop()
        finally:
            previous = _SHARED.pop("previous")
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser():
    yield browser_acquire()
    browser_release()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(timezone_id="UTC", locale="en-US"):
        context = browser.new_context(timezone_id=timezone_id, locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA rules) in the page; return the violations of the given impacts."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci`")
    # Evaluated through the DevTools protocol: a <script> tag would be inline code our CSP refuses.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


# Records every Content-Security-Policy violation the page reports (in every frame).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def watch_page(page) -> list[str]:
    """Collect the page's console errors, uncaught exceptions and CSP violations into the returned list.

    Call before the first ``goto``; read the list (and ``csp_violations(page)``) after.
    """
    problems: list[str] = []
    page.add_init_script(CSP_RECORDER)
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("response", lambda r: problems.append(f"response: {r.status} {r.url}") if r.status >= 400 else None)
    return problems


def csp_violations(page) -> list[str]:
    return page.evaluate("() => window.__cspViolations || []")
