import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_site.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - configured by the call above

from catalog.hooks import web_warm  # noqa: E402
from commerce_site.checks import refuse_insecure_start  # noqa: E402

# gunicorn runs no system checks: a worker that would serve with a public key stops here.
refuse_insecure_start()

if settings.WEB_WARMUP:
    # Each web process loads its models before it takes a request (gunicorn loads this
    # module in every worker), so the first semantic search answers at once.
    web_warm()

if ready_dir := os.environ.get("WEB_READY_DIR"):
    # commerce_site.run waits for every worker's file before it says the site is up.
    Path(ready_dir, str(os.getpid())).touch()
