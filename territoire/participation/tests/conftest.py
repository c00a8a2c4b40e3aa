import pytest


@pytest.fixture(autouse=True)
def _photo_dir(settings, tmp_path):
    """Proposal photos go to a temporary folder in tests."""
    settings.PARTICIPATION_MEDIA_ROOT = tmp_path / "participation-media"
