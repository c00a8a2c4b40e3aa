import pytest

from territoire.core.models import Role
from territoire.core.testing import person_with_role
from territoire.procedures.testing import make_procedure


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    """Attachments go to a temporary directory."""
    settings.PROCEDURES_UPLOAD_DIR = tmp_path / "uploads"
    return settings.PROCEDURES_UPLOAD_DIR


@pytest.fixture
def procedure(arras):
    return make_procedure(arras)


@pytest.fixture
def agent(arras):
    return person_with_role(Role.AGENT, arras, module="procedures", email="instructeur@arras.fr")


@pytest.fixture
def citizen(arras):
    return person_with_role(Role.CITIZEN, arras, email="habitant@exemple.fr")
