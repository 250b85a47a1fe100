import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch):
    """Tests see the output of a plain run, even when CI runs them in a GitHub Actions job."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
