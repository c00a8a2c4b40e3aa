import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

# A web worker (granian imports this module; manage.py and the tests do not): in production,
# load OpenFisca-France and run one simulation now rather than in the first citizen's request.
from django.conf import settings  # noqa: E402

if settings.RIGHTS_WARM_UP:
    from territoire.rights.engine import warm_up  # noqa: E402

    warm_up()
