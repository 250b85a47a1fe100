import shutil

import pytest

from .gitrepo import model_repo


@pytest.fixture
def repo(tmp_path):
    """A git repository whose first commit holds the chain model; `repo.base` is that commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo, base = model_repo(tmp_path / "repo")
    repo.base = base
    return repo
