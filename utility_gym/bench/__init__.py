"""utility-bench: evaluation runs with pass^k, verifiable submissions and the leaderboard.

The command line lives in ``utility_gym.bench.cli`` (``utility-bench run|verify|leaderboard|submit|
play|serve|stream|list|console|fidelity|arena``); the pieces are importable for scripts: ``metrics``
(pass^k, bootstrap
intervals), ``rules`` (what a valid run is, which runs are ranked), ``runner`` (planning and
running episodes, crash-safe), ``files`` and ``schema`` (bounded, strict reading of run files),
``verify`` (replay or re-run, sealed by ``seal``), ``leaderboard`` and ``submit``, and
``console`` (real people in the loop: the web console, the arena and the fidelity report).
"""

from utility_gym.bench.metrics import (
    bootstrap_mean_ci,
    pass_hat_k,
    pass_hat_k_curve,
    pass_hat_k_task,
    summarize,
)

__all__ = ["bootstrap_mean_ci", "pass_hat_k", "pass_hat_k_curve", "pass_hat_k_task", "summarize"]
