"""Accessibility checks of one page (axe-core at WCAG 2.1 A/AA, reflow at 320 px) and the
breadth-first crawl of a site as one person sees it."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
REFLOW_WIDTH = 320
MAX_PAGES = 60
# Pages of the same shape (same path once numbers are replaced, same query keys) use the
# same template: a few samples of each are enough, and leave room for every other page.
MAX_PER_SHAPE = 3
MAX_PAGE_NUMBER = 2
SKIPPED_PREFIXES = ("/deconnexion/", "/api/", "/gestion-technique/", "/static/")
# Downloads, not pages: nothing for axe to check.
SKIPPED_SUFFIXES = (".csv", ".json", ".jsonld", ".pdf", ".txt")

_axe_script: str | None = None


def axe_script() -> str:
    global _axe_script
    if _axe_script is None:
        _axe_script = Axe().axe_script
    return _axe_script


@dataclass
class Finding:
    url: str
    rule: str
    impact: str
    description: str
    targets: list[str]

    def __str__(self) -> str:
        targets = "\n".join(f"      {t}" for t in self.targets[:8])
        more = f"\n      … {len(self.targets) - 8} more" if len(self.targets) > 8 else ""
        return f"  {self.url}\n    [{self.impact}] {self.rule}: {self.description}\n{targets}{more}"


@dataclass
class Report:
    label: str
    visited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # HTTP errors, failed navigation

    def summary(self) -> str:
        lines = [f"{self.label}: {len(self.visited)} page(s) checked"]
        lines += [f"  checked {url}" for url in self.visited]
        if self.findings:
            lines.append(f"{len(self.findings)} accessibility violation(s):")
            lines += [str(f) for f in self.findings]
        if self.problems:
            lines.append(f"{len(self.problems)} other problem(s):")
            lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def assert_clean(self) -> None:
        assert not self.findings and not self.problems, "\n" + self.summary()


def prepare_context(context) -> None:
    """Make axe available on every page of the context (an init script is not subject to
    the site's Content-Security-Policy, and is compiled once)."""
    context.add_init_script(axe_script())


# The markup of a page, less what differs from one visit to the next without changing its
# structure or styles (CSRF tokens, the signed-in person's name in the header). Two pages with
# the same markup get the same axe results: the second one reuses the first one's.
MARKUP = """() => {
  const root = document.documentElement.cloneNode(true);
  root.querySelectorAll('input[name=csrfmiddlewaretoken]').forEach(i => i.removeAttribute('value'));
  root.querySelectorAll('.account-name').forEach(e => { e.textContent = ''; });
  return root.outerHTML;
}"""
_axe_results: dict[str, list[dict]] = {}


def run_axe(page) -> list[dict]:
    key = hashlib.sha256(page.evaluate(MARKUP).encode()).hexdigest()
    if key not in _axe_results:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_script())
        results = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
        _axe_results[key] = results["violations"]
    return _axe_results[key]


def check_page(page, report: Report, label: str | None = None) -> None:
    """Run axe on the page as it is now, then check that it reflows at 320 px wide."""
    url = label or page.url
    report.visited.append(url)
    for violation in run_axe(page):
        report.findings.append(
            Finding(
                url=url,
                rule=violation["id"],
                impact=violation.get("impact") or "?",
                description=violation["help"],
                targets=[
                    " ".join(map(str, node["target"]))
                    + (
                        f"  — {node['failureSummary'].splitlines()[-1].strip()}"
                        if node.get("failureSummary")
                        else ""
                    )
                    for node in violation["nodes"]
                ],
            )
        )
    check_reflow(page, report, url)


def check_reflow(page, report: Report, url: str) -> None:
    original = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    try:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > REFLOW_WIDTH:
            culprits = page.evaluate(
                """(limit) => {
                  const out = [];
                  for (const el of document.body.querySelectorAll('*')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > limit + 0.5 && r.width > 0) {
                      // the outermost overflowing elements, and any positioned one inside
                      // them (it escapes a scrolling container whose box is not its own)
                      const pos = getComputedStyle(el).position;
                      const positioned = pos === 'absolute' || pos === 'fixed';
                      if (positioned || !out.some(o => o.el.contains(el))) {
                        out.push({el, right: r.right});
                      }
                    }
                  }
                  return out.slice(0, 6).map(o => {
                    const e = o.el;
                    const id = e.id ? '#' + e.id : '';
                    const cls = e.className && typeof e.className === 'string'
                      ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
                    const right = Math.round(o.right);
                    return `${e.tagName.toLowerCase()}${id}${cls} (right edge ${right}px)`;
                  });
                }""",
                REFLOW_WIDTH,
            )
            report.findings.append(
                Finding(
                    url=url,
                    rule="reflow-320px",
                    impact="serious",
                    description=(
                        f"page is {width}px wide at a {REFLOW_WIDTH}px viewport "
                        "(WCAG 1.4.10 Reflow)"
                    ),
                    targets=culprits,
                )
            )
    finally:
        page.set_viewport_size(original)


def normalise(href: str, origin: str) -> str | None:
    """The URL to visit for a link, or None when the crawl skips it."""
    if not href or href.startswith(("mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED_PREFIXES) or path.endswith(SKIPPED_SUFFIXES):
        return None
    query = []
    for key, value in sorted(parse_qsl(parts.query, keep_blank_values=True)):
        if key == "page":
            if not value.isdigit() or int(value) > MAX_PAGE_NUMBER:
                return None
            if int(value) <= 1:
                continue
        query.append((key, value))
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def shape(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def crawl(page, origin: str, starts: list[str], report: Report) -> None:
    """Visit, breadth first, every same-origin page linked from the start pages, checking
    each one."""
    queue: deque[str] = deque()
    seen: set[str] = set()
    per_shape: dict[str, int] = {}

    def enqueue(url: str | None) -> None:
        if url is None or url in seen:
            return
        seen.add(url)
        key = shape(url)
        if per_shape.get(key, 0) >= MAX_PER_SHAPE:
            return
        per_shape[key] = per_shape.get(key, 0) + 1
        queue.append(url)

    for start in starts:
        enqueue(normalise(origin + start, origin))
    while queue and len(report.visited) < MAX_PAGES:
        url = queue.popleft()
        response = page.goto(url)
        if response is None or response.status >= 400:
            status = response.status if response else "no response"
            report.problems.append(f"{url} answered {status}")
        final = normalise(page.url, origin)
        if final != url and final is not None:
            seen.add(final)  # a redirect: check the page it lands on under its own address
        check_page(page, report, url if final == url else f"{url} → {page.url}")
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            enqueue(normalise(href, origin))
