"""Package layout: ``envs/`` and ``agents/`` live at the top of the repository and install as
``utility_gym.envs`` and ``utility_gym.agents``.

Everything else is static in ``pyproject.toml``. This file exists only because the package list
is computed: a new domain folder under ``envs/`` is packaged without editing any list.
"""

from setuptools import find_namespace_packages, setup

# Where the two top-level folders install (the import names stay utility_gym.envs / .agents).
MAPPED = {"utility_gym.envs": "envs", "utility_gym.agents": "agents"}


def _packages() -> list[str]:
    found = find_namespace_packages(
        include=["utility_gym", "utility_gym.*"], exclude=["*__pycache__*"]
    )
    for name, folder in MAPPED.items():
        found.append(name)
        found += [
            f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=["*__pycache__*"])
        ]
    return found


setup(packages=_packages(), package_dir=MAPPED)
