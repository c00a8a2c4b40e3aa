"""Keyboard-only journeys: skip link first, sign-in with Tab, typing and Enter, focus always
visible."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_TABS = 30

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || '').trim(),
    href: el.getAttribute('href'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    focusVisible: el.matches(':focus-visible'),
    onScreen: rect.width > 0 && rect.height > 0 && rect.right > 0 && rect.bottom > 0
              && rect.left < window.innerWidth && rect.top < window.innerHeight,
  };
}"""


def focused(page) -> dict:
    info = page.evaluate(FOCUSED)
    assert info is not None, "nothing has the focus"
    return info


def assert_focus_visible(info: dict) -> None:
    where = f"<{info['tag']} id={info['id']!r}> {info['text'][:40]!r}"
    assert info["focusVisible"], f"{where} is focused but does not match :focus-visible"
    assert info["outlineStyle"] != "none" and info["outlineWidth"] >= 2, (
        f"{where} has no visible focus indicator "
        f"(outline {info['outlineStyle']} {info['outlineWidth']}px)"
    )
    assert info["onScreen"], f"{where} is focused but off screen"


def tab_to(page, predicate, what: str) -> dict:
    """Press Tab until ``predicate(focused element)``; every element on the way must show
    its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = focused(page)
        assert_focus_visible(info)
        if predicate(info):
            return info
    raise AssertionError(f"{what} not reached after {MAX_TABS} presses of Tab")


def keyboard_sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "a" and first["text"] == "Aller au contenu", (
        f"first Tab stop is {first}, not the skip link"
    )
    assert first["href"] == "#contenu"
    assert_focus_visible(first)

    tab_to(page, lambda i: i["tag"] == "a" and i["text"] == "Se connecter", "« Se connecter »")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/connexion/")

    # The e-mail field has autofocus; without it, Tab leads there.
    info = page.evaluate(FOCUSED)
    if info is None or info["id"] != "id_username":
        info = tab_to(page, lambda i: i["id"] == "id_username", "the e-mail field")
    assert_focus_visible(info)
    page.keyboard.type(email)
    tab_to(page, lambda i: i["id"] == "id_password", "the password field")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_skip_link_moves_focus_to_content(live_server, page):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    # The next Tab goes to the first link of the content, not back to the header.
    page.keyboard.press("Tab")
    info = focused(page)
    assert page.evaluate(
        "() => document.getElementById('contenu').contains(document.activeElement)"
    )
    assert_focus_visible(info)


def test_keyboard_only_sign_in(site_data, live_server, page):
    keyboard_sign_in(page, live_server.url, "habitant@demo.territoire.fr", DEMO_PASSWORD)
    assert page.url.endswith("/mon-espace/")
    assert page.locator("h1").inner_text() == "Mon espace"
    assert "Camille Habitante" in page.locator("main").inner_text()
    assert "Camille Habitante" in page.locator(".account-name").inner_text()

    # And on from there with the keyboard: the sign-out button is reachable and visible.
    page.keyboard.press("Tab")
    assert_focus_visible(focused(page))
    tab_to(
        page, lambda i: i["tag"] == "button" and i["text"] == "Se déconnecter", "« Se déconnecter »"
    )


def test_keyboard_wrong_password_keeps_the_email(site_data, live_server, page):
    email = "agent.arras@demo.territoire.fr"
    keyboard_sign_in(page, live_server.url, email, "Pas-le-bon-mot-de-passe-1")
    assert page.url.endswith("/connexion/")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "incorrect" in summary.inner_text()
    assert page.locator("#id_username").input_value() == email
    assert page.locator("#id_password").input_value() == ""
    # Still usable with the keyboard: reach the password field and try again.
    page.locator("#id_username").focus()
    tab_to(page, lambda i: i["id"] == "id_password", "the password field")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/mon-espace/")
    assert "Agent Arras" in page.locator("main").inner_text()
