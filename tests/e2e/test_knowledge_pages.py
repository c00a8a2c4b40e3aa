"""Knowledge themes pages in a real browser, driven from the keyboard: the list, adding a
theme that exists (error kept), renaming, and deleting a theme in use (refused until a
target theme is chosen); every state checked with axe (WCAG 2.1 AA) and at 320 px."""

import io

import pytest

from tests.e2e.audit import Report, check_page, prepare_context
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    from django.core.management import call_command

    for command, *args in [("load_territory",), ("seed_demo", "--force"), ("seed_knowledge_demo",)]:
        call_command(command, *args, verbosity=0, stdout=io.StringIO())


def press(page, selector: str) -> None:
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_themes_keyboard_only_and_accessible(demo, live_server, browser):
    from territoire.knowledge.models import Theme

    base = live_server.url
    report = Report(label="Knowledge themes")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    prepare_context(context)
    page = context.new_page()
    login(page, base, "admin.cua@demo.territoire.fr")
    page.goto(f"{base}/aide/gestion/")
    press(page, "a[href$='/aide/gestion/themes/']")
    check_page(page, report, "themes")

    page.focus("#id_name")
    page.keyboard.type("Eau")
    press(page, "main form button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    check_page(page, report, "themes, duplicate name")

    water = Theme.objects.get(slug="eau")
    page.goto(f"{base}/aide/gestion/themes/")
    press(page, f"a[href$='/aide/gestion/themes/{water.pk}/']")
    check_page(page, report, "theme")
    press(page, "form:has(input[value=delete]) button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert "choisissez le thème où les déplacer" in page.content()
    check_page(page, report, "theme, delete refused")

    page.fill("#id_name", "")
    page.focus("#id_name")
    page.keyboard.type("Eau et assainissement")
    press(page, "form:has(input[value=rename]) button[type=submit]")
    assert Theme.objects.get(pk=water.pk).name == "Eau et assainissement"
    report.assert_clean()
