"""Accessibility of the governance pages: every /gouvernance/ page reachable by links, for an
anonymous visitor and for each role that uses them, has zero axe-core violations at WCAG 2.1
A/AA and reflows at 320 px; so do the governance forms in their error states."""

from __future__ import annotations

import io
from collections import deque

import pytest

from tests.e2e.audit import Report, check_page, normalise, prepare_context, shape
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PREFIX = "/gouvernance/"
NOT_HTML = (".json", ".jsonld", ".pdf", ".csv")
ROLES = [
    "anonyme",
    "admin.cua@demo.territoire.fr",
    "agent.arras@demo.territoire.fr",
    "elu.arras@demo.territoire.fr",
    "comite@demo.territoire.fr",
    "comite2@demo.territoire.fr",
]


@pytest.fixture
def governance_data(live_server):
    """The territory, the demo accounts and the governance demo (charter, six projects at
    every stage, a meeting, registers), from the real commands."""
    from django.core.management import call_command

    for command, args in [
        ("load_territory", []),
        ("seed_demo", ["--force"]),
        ("seed_governance_demo", []),
    ]:
        call_command(command, *args, verbosity=0, stdout=io.StringIO())


def crawl_governance(page, origin: str, report: Report, limit: int = 45) -> None:
    queue: deque[str] = deque()
    seen: set[str] = set()
    per_shape: dict[str, int] = {}

    def enqueue(href: str) -> None:
        url = normalise(href, origin)
        if url is None or url in seen:
            return
        path = url[len(origin) :]
        if not path.startswith(PREFIX) or path.split("?")[0].endswith(NOT_HTML):
            return
        seen.add(url)
        key = shape(url)
        if per_shape.get(key, 0) >= 2:
            return
        per_shape[key] = per_shape.get(key, 0) + 1
        queue.append(url)

    enqueue(origin + PREFIX)
    while queue and len(report.visited) < limit:
        url = queue.popleft()
        response = page.goto(url)
        if response is None or response.status >= 400:
            report.problems.append(f"{url} answered {response.status if response else '-'}")
        check_page(page, report, url)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            enqueue(href)


@pytest.mark.parametrize("who", ROLES)
def test_governance_pages_have_no_accessibility_violation(
    who, governance_data, live_server, context, page
):
    prepare_context(context)
    report = Report(label=f"Governance pages as {who}")
    if who != "anonyme":
        login(page, live_server.url, who)
    crawl_governance(page, live_server.url, report)
    print(report.summary())
    assert len(report.visited) >= 6, report.summary()
    report.assert_clean()


def test_governance_forms_in_error_have_no_accessibility_violation(
    governance_data, live_server, context, page
):
    from territoire.governance.models import Review

    prepare_context(context)
    base = live_server.url
    report = Report(label="Governance error states")

    def submit_first_form() -> None:
        with page.expect_navigation():
            page.locator("main form[method=post] button[type=submit]").first.click()

    login(page, base, "agent.arras@demo.territoire.fr")
    for url in [
        "/gouvernance/projets/nouveau/",
        "/gouvernance/rgpd/62041/nouveau/",
        "/gouvernance/algorithmes/gerer/nouveau/",
        "/gouvernance/catalogue/gerer/nouveau/",
    ]:
        page.goto(base + url)
        check_page(page, report, url)
        submit_first_form()
        assert page.locator(".error-summary").is_visible(), url
        check_page(page, report, f"{url} with errors")
    page.goto(base + "/gouvernance/charte/comparer/?de=x")
    check_page(page, report, "compare, bad parameters")

    context.clear_cookies()
    login(page, base, "comite@demo.territoire.fr")
    review = Review.objects.filter(is_open=True).first()
    page.goto(f"{base}/gouvernance/examens/{review.pk}/avis/")
    page.locator("input[type=radio][value='1']").first.check()
    submit_first_form()
    check_page(page, report, "opinion with errors")
    page.goto(f"{base}/gouvernance/examens/{review.pk}/decision/")
    submit_first_form()
    check_page(page, report, "decision with errors")
    page.goto(f"{base}/gouvernance/comite/")
    page.get_by_role("button", name="Programmer la séance").click()
    page.wait_for_load_state()
    check_page(page, report, "meeting with errors")
    print(report.summary())
    report.assert_clean()


def test_governance_round_two_pages_have_no_accessibility_violation(
    governance_data, live_server, context, page
):
    """The annual report (public), the DPIA and FRIA templates of a project that requires
    them (its team) and the CUA's register with the platform's own processing."""
    from django.utils import timezone

    from territoire.governance.models import Project

    prepare_context(context)
    base = live_server.url
    report = Report(label="Governance round 2 pages")
    year = timezone.localdate().year
    for url in ["/gouvernance/bilan/", f"/gouvernance/bilan/{year}/"]:
        response = page.goto(base + url)
        assert response is not None and response.status == 200, url
        check_page(page, report, url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bilan annuel")

    login(page, base, "agent.arras@demo.territoire.fr")
    project = next(
        p
        for p in Project.objects.filter(commune__insee_code="62041")
        if p.screening().fria_required and p.screening().dpia_required
    )
    page.goto(f"{base}/gouvernance/projets/{project.pk}/")
    assert page.get_by_role(
        "link", name="Analyse d'impact sur les droits fondamentaux (AIDF) : modèle à remplir"
    ).is_visible()
    for kind in ("aipd", "aidf"):
        url = f"/gouvernance/projets/{project.pk}/analyse-impact/{kind}/"
        response = page.goto(base + url)
        assert response is not None and response.status == 200, url
        check_page(page, report, url)

    context.clear_cookies()
    login(page, base, "admin.cua@demo.territoire.fr")
    response = page.goto(base + "/gouvernance/rgpd/cua/")
    assert response is not None and response.status == 200
    assert page.get_by_text("Zéro non-recours : détection proactive").first.is_visible()
    check_page(page, report, "/gouvernance/rgpd/cua/")
    print(report.summary())
    report.assert_clean()
