"""`endpoint.wsgi:application` for any WSGI server (gunicorn, uWSGI, mod_wsgi)."""

from endpoint.app import create_app
from endpoint.settings import Settings

application = create_app(Settings.from_env())
