"""The env pages under docs/envs are generated from the env docstrings and must be current."""

from __future__ import annotations

import gymnasium as gym

from utility_gym import docgen

SECTIONS = ("Description", "Action Space", "Observation Space", "Rewards", "Episode End", "Arguments", "Version History")


def test_docs__env_pages_match_their_docstrings() -> None:
    stale = [str(path) for path, text in docgen.pages().items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"regenerate with `python -m utility_gym.docgen`: {stale}"


def test_docs__every_env_docstring_has_the_gymnasium_sections() -> None:
    for entries in docgen.env_classes().values():
        for env_id, cls in entries:
            doc = cls.__doc__ or ""
            missing = [s for s in SECTIONS if f"## {s}" not in doc]
            assert not missing, f"{env_id} ({cls.__name__}) docstring lacks sections {missing}"
            assert gym.spec(env_id).entry_point.endswith(cls.__name__)
