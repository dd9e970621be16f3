"""`reactions.wsgi:application` for any WSGI server (gunicorn, uWSGI, mod_wsgi)."""

from reactions.app import create_app
from reactions.settings import Settings

application = create_app(Settings.from_env())
