import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_site.settings")
application = get_wsgi_application()

from commerce_site.checks import refuse_insecure_start  # noqa: E402 - needs the settings loaded above

# gunicorn runs no system checks: a worker that would serve with a public key stops here.
refuse_insecure_start()
