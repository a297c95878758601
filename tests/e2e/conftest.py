from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def small_model():
    """The real qwen2.5-coder-0.5b, pulled into the user cache on first use."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("llama-cpp-python is not installed, and CI must run the end-to-end tests")
        pytest.skip("llama-cpp-python is not installed; install with: pip install -e '.[local]'")
    from agents.models.select import open_model

    return open_model("local/qwen2.5-coder-0.5b")
