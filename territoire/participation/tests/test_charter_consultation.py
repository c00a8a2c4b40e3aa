"""Publishing a version of the data & AI charter opens the citizens' consultation on it:
one article per principle, open to comments now, linked from the charter."""

import pytest

from territoire.core.testing import cua_admin
from territoire.governance import services as governance
from territoire.governance.reference import reference_load
from territoire.participation import services
from territoire.participation.models import Process
from territoire.participation.testing import participant

pytestmark = pytest.mark.django_db


def test_a_published_charter_version_is_put_to_consultation(arras):
    reference_load()  # version 1 of the charter
    admin = cua_admin()
    draft = governance.charter_version_create_draft(actor=admin)

    governance.charter_version_publish(actor=admin, version=draft)

    draft.refresh_from_db()
    process = Process.objects.get(slug=draft.consultation_ref.removeprefix("participation:"))
    assert draft.consultation_url == f"/participation/{process.slug}/"
    assert process.commune is None and str(draft.number) in process.title
    (text,) = process.texts.all()
    principles = list(draft.principles.order_by("position", "code"))
    articles = list(text.articles.order_by("number"))
    assert [a.title for a in articles] == [p.title for p in principles]
    assert "Questions posées à chaque projet" in articles[0].body
    # citizens can comment on an article right away
    comment = services.comment_create(
        actor=participant(arras), target=articles[0], body="Et la sobriété des serveurs ?"
    )
    assert comment.pk
