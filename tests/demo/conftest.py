# The demo's recommendations set-up is tested on the recommendations tests' catalog.
from tests.recommendations.conftest import catalog, minilm  # noqa: F401
