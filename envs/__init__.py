"""The domains: one folder each (``customer_service``, ``ticketing``, ``web_shop``).

This folder sits at the top of the repository and installs as ``utility_gym.envs`` (see
``setup.py``). A domain imports only ``utility_gym.core``; ``docs/architecture.md`` shows the
layout.
"""
