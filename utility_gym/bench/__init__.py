"""utility-bench: evaluation runs with pass^k, verifiable submissions and the leaderboard.

The command line lives in ``utility_gym.bench.cli`` (``utility-bench run|verify|leaderboard|play|
serve|list``); the pieces are importable for scripts: ``metrics`` (pass^k, bootstrap intervals),
``runner`` (planning and running episodes), ``verify`` (replay) and ``leaderboard``.
"""

from utility_gym.bench.metrics import (
    bootstrap_mean_ci,
    pass_hat_k,
    pass_hat_k_curve,
    pass_hat_k_task,
    summarize,
)

__all__ = ["bootstrap_mean_ci", "pass_hat_k", "pass_hat_k_curve", "pass_hat_k_task", "summarize"]
