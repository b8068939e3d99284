"""The examples in the analytics docstrings run and hold (as `pytest --doctest-modules analytics`)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import analytics

MODULES = ["analytics"] + [f"analytics.{m.name}" for m in pkgutil.iter_modules(analytics.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples to run"
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_public_names_are_declared_and_documented(name):
    module = importlib.import_module(name)
    assert module.__doc__
    for public in module.__all__:
        assert getattr(module, public) is not None
        obj = getattr(module, public)
        if callable(obj):
            assert obj.__doc__, f"{name}.{public} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_no_application_or_store_imports(name):
    with open(importlib.util.find_spec(name).origin, encoding="utf-8") as handle:
        text = handle.read()
    for word in ("fastapi", "falkordb", "neo4j", "redis", "app"):
        assert f"import {word}" not in text and f"from {word} " not in text and f"from {word}." not in text
