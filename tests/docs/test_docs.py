"""The env pages under docs/envs are generated from the env docstrings and must be current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import gymnasium as gym

# tools/docgen.py is repository tooling, not part of the package: load it from its file.
_SPEC = importlib.util.spec_from_file_location(
    "docgen", Path(__file__).resolve().parents[2] / "tools" / "docgen.py"
)
assert _SPEC is not None and _SPEC.loader is not None
docgen = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(docgen)

SECTIONS = (
    "Description",
    "Action Space",
    "Observation Space",
    "Rewards",
    "Episode End",
    "Arguments",
    "Version History",
)


def test_docs__env_pages_match_their_docstrings() -> None:
    stale = [
        str(path)
        for path, text in docgen.pages().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"regenerate with `python tools/docgen.py`: {stale}"


def test_docs__every_env_docstring_has_the_gymnasium_sections() -> None:
    for entries in docgen.env_classes().values():
        for env_id, cls in entries:
            doc = cls.__doc__ or ""
            missing = [s for s in SECTIONS if f"## {s}" not in doc]
            assert not missing, f"{env_id} ({cls.__name__}) docstring lacks sections {missing}"
            assert gym.spec(env_id).entry_point.endswith(cls.__name__)
