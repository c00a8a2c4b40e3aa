"""Accessibility crawl (DESIGN.md section 5): every page reachable by links, for an anonymous
visitor and for each demo role, has zero axe-core violations at WCAG 2.1 A/AA and reflows
at 320 px; so do the pages in their error states."""

from __future__ import annotations

import pytest

from tests.e2e.audit import Report, check_page, crawl, prepare_context
from tests.e2e.conftest import DEMO_ROLES, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("who", ["anonyme", *DEMO_ROLES])
def test_crawl_has_no_accessibility_violation(who, site_data, live_server, context, page):
    prepare_context(context)
    report = Report(label=f"Crawl as {who}")
    starts = ["/"]
    if who != "anonyme":
        login(page, live_server.url, who)
        assert page.url.endswith("/mon-espace/"), f"login as {who} landed on {page.url}"
        starts.append("/mon-espace/")
    crawl(page, live_server.url, starts, report)
    print(report.summary())
    assert len(report.visited) >= 8, report.summary()
    report.assert_clean()


def _submit(page, button_text: str | None = None) -> None:
    form_button = (
        page.get_by_role("button", name=button_text, exact=True)
        if button_text
        else page.locator("main form[method=post] button[type=submit]").first
    )
    with page.expect_navigation():
        form_button.click()


def test_error_states_have_no_accessibility_violation(site_data, live_server, browser):
    """Forms with errors, error pages, one-time states: the pages no link leads to."""
    base = live_server.url
    report = Report(label="Error states")

    def fresh_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        prepare_context(context)
        return context, context.new_page()

    # Anonymous visitor.
    context, page = fresh_page()
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", "habitant@demo.territoire.fr")
    page.fill("#id_password", "pas-le-bon-mot-de-passe")
    _submit(page, "Se connecter")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "login, wrong password")

    page.goto(f"{base}/connexion/")
    _submit(page, "Se connecter")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "login, empty form")

    response = page.goto(f"{base}/cette-page-n-existe-pas/")
    assert response.status == 404
    check_page(page, report, "404 page")

    response = page.goto(f"{base}/communes/00000/")
    assert response.status == 404
    check_page(page, report, "404 page (unknown commune)")

    response = page.goto(f"{base}/communes/?q=%00")
    assert response.status == 400
    check_page(page, report, "400 page (NUL character in the query)")

    page.goto(f"{base}/mot-de-passe/nouveau/MQ/bad-token/")
    assert "plus valable" in page.locator("h1").inner_text()
    check_page(page, report, "password reset, invalid link")

    page.goto(f"{base}/mot-de-passe/oublie/")
    page.fill("#id_email", "pas-une-adresse")
    _submit(page, "Recevoir le lien")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "password reset request, invalid address")

    page.fill("#id_email", "habitant@demo.territoire.fr")
    _submit(page, "Recevoir le lien")
    assert page.url.endswith("/mot-de-passe/oublie/envoye/")
    check_page(page, report, "password reset request, sent")

    page.goto(f"{base}/mot-de-passe/nouveau/fait/")
    check_page(page, report, "password reset complete")

    page.goto(f"{base}/communes/?q=zzzzzz")
    assert page.locator(".empty").is_visible()
    check_page(page, report, "commune search, no result")

    # Login refused after the form expired (cookies lost): the CSRF failure page.
    page.goto(f"{base}/connexion/")
    context.clear_cookies()
    page.fill("#id_username", "habitant@demo.territoire.fr")
    page.fill("#id_password", "Territoire-Demo-2026")
    _submit(page, "Se connecter")
    assert "expiré" in page.locator("h1").inner_text()
    check_page(page, report, "CSRF failure")

    # Too many failures: the lockout page.
    page.goto(f"{base}/connexion/")
    for _ in range(6):
        page.fill("#id_username", "inconnu@exemple.fr")
        page.fill("#id_password", "mauvais-mot-de-passe")
        _submit(page, "Se connecter")
        if "suspendue" in page.locator("h1").inner_text():
            break
    assert "suspendue" in page.locator("h1").inner_text()
    check_page(page, report, "login lockout")
    context.close()

    # A valid password reset link: the form to choose a password, then its errors.
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from territoire.core.models import User

    user = User.objects.get(email="elu.arras@demo.territoire.fr")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context, page = fresh_page()
    page.goto(f"{base}/mot-de-passe/nouveau/{uid}/{token}/")
    assert page.locator("#id_new_password1").is_visible()
    check_page(page, report, "password reset, choose password")
    page.fill("#id_new_password1", "court")
    page.fill("#id_new_password2", "different")
    _submit(page, "Enregistrer le mot de passe")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "password reset, invalid passwords")
    context.close()

    # Commune administrator: invite form empty, API key form empty and then a new key.
    context, page = fresh_page()
    login(page, base, "admin.arras@demo.territoire.fr")
    page.goto(f"{base}/administration/membres/62041/")
    _submit(page, "Donner le rôle")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "members, invite form empty")

    page.fill("#id_email", "admin.arras@demo.territoire.fr")
    page.select_option("#id_role", index=0)
    _submit(page, "Donner le rôle")
    check_page(page, report, "members, invite form after a second submission")

    page.goto(f"{base}/administration/cles-api/62041/")
    _submit(page, "Créer la clé")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "API keys, form empty")

    page.fill("#id_name", "Nouvelle clé de test")
    _submit(page, "Créer la clé")
    assert page.locator("#new-secret").is_visible()
    check_page(page, report, "API keys, new key shown once")

    page.goto(f"{base}/administration/journal/?since=2026-02-01&until=2026-01-01")
    check_page(page, report, "audit log, inconsistent dates")

    page.goto(f"{base}/mon-espace/mot-de-passe/")
    _submit(page, "Changer le mot de passe")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "password change, empty form")

    response = page.goto(f"{base}/administration/membres/62099/")
    assert response.status == 403
    check_page(page, report, "403 page (another commune's members)")

    page.goto(f"{base}/mon-espace/")
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()
    check_page(page, report, "after sign-out")
    context.close()

    print(report.summary())
    report.assert_clean()


def test_the_checks_do_find_violations(browser):
    """The checker itself: a page with known faults must be reported, so that a clean crawl
    means something."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    prepare_context(context)
    page = context.new_page()
    page.set_content(
        '<!DOCTYPE html><html lang="fr"><head><title>Défauts</title></head><body><main>'
        '<h1>Page fautive</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#aaa;background:#fff">Texte trop pâle</p>'
        '<div style="width:600px">Bloc trop large</div></main></body></html>'
    )
    report = Report(label="canary")
    check_page(page, report, "canary")
    context.close()
    rules = {finding.rule for finding in report.findings}
    assert {"image-alt", "color-contrast", "reflow-320px"} <= rules, report.summary()
