"""Train the dependency-free REINFORCE learner on CustomerService-v1's RL view and compare it with
random.

The learner (``utility_gym.agents.learners.ReinforceAgent``: a linear softmax policy over the
admissible actions, REINFORCE with a linear baseline, Adam) trains on
``AdmissibleActions`` + ``NumericObservation`` over an easy curriculum of templates. Training
tasks come from a pool of task seeds (``--seed-pool``); every evaluation uses fresh task seeds
the learner never trained on. The script prints the learning curve (training success per
window, and greedy success on a fixed evaluation set with a 95% Wilson interval) and the final
success of the learner and of the uniform-random policy over the same admissible actions.

    .venv/bin/python examples/train_numpy.py                     # about 10 minutes on 2 cores
    .venv/bin/python examples/train_numpy.py --episodes 500      # a quick look
    .venv/bin/python examples/train_numpy.py --plot curve.png    # needs matplotlib (extra 'plot')
    .venv/bin/python examples/train_numpy.py --save runs/numpy/reinforce.npz   # then:
    utility-bench run --agent policy:runs/numpy/reinforce.npz --env CustomerService-v1 \
        --out runs/numpy/eval
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from utility_gym.agents.learners import (
    MaskedRandomAgent,
    ReinforceAgent,
    evaluate,
    state_feature_indices,
    train,
    wilson_interval,
)
from utility_gym.agents.policy import save_numpy_policy
from utility_gym.wrappers import make_rl_env

CURRICULUM = ("discount_refuse", "cancel_pending", "order_status", "cancel_not_pending")
EVAL_SEED_BASE = 900_000_000  # episode seeds of the evaluations; training uses 0, 1, 2, ...


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", default="utility/CustomerService-v1")
    p.add_argument(
        "--templates", default=",".join(CURRICULUM), help="comma-separated task templates"
    )
    p.add_argument("--episodes", type=int, default=6000, help="training episodes")
    p.add_argument(
        "--seed-pool",
        type=int,
        default=500,
        help="training task seeds per template are drawn below this",
    )
    p.add_argument(
        "--eval-every", type=int, default=500, help="episodes between greedy evaluations"
    )
    p.add_argument(
        "--eval-episodes", type=int, default=100, help="episodes of each intermediate evaluation"
    )
    p.add_argument(
        "--final-episodes", type=int, default=400, help="episodes of the final comparison"
    )
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--gamma", type=float, default=0.95)
    p.add_argument(
        "--novelty", type=float, default=0.1, help="count-based exploration bonus (0: none)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", default="default", help="world size (small|default|large)")
    p.add_argument(
        "--reward-mode", default="success", help="training reward: success, partial or shaped"
    )
    p.add_argument("--json", help="write the results to this JSON file")
    p.add_argument("--plot", help="save the learning curve to this PNG (needs matplotlib)")
    p.add_argument(
        "--save", help="save the policy (.npz) for `utility-bench run --agent policy:PATH`"
    )
    args = p.parse_args(argv)

    templates = [t for t in args.templates.split(",") if t]
    train_env = make_rl_env(
        args.env, templates, seed_pool=args.seed_pool, size=args.size, reward_mode=args.reward_mode
    )
    eval_env = make_rl_env(
        args.env, templates, size=args.size
    )  # fresh task seeds: never trained on
    n_obs, n_actions = train_env.observation_space.shape[0], int(train_env.action_space.n)
    dims = state_feature_indices(train_env.get_wrapper_attr("feature_names")())
    agent = ReinforceAgent(
        n_obs,
        n_actions,
        lr=args.lr,
        batch=args.batch,
        gamma=args.gamma,
        novelty=args.novelty,
        novelty_dims=dims,
        seed=args.seed,
    )
    print(
        f"{args.env}: templates {', '.join(templates)}; observation {n_obs} floats, {n_actions} "
        "actions"
    )
    print(f"{'episodes':>8}  {'train success':>13}  {'greedy eval (95% CI)':>24}  {'seconds':>7}")

    start = time.perf_counter()
    curve = {
        "episodes": [],
        "train_success": [],
        "eval_success": [],
        "eval_low": [],
        "eval_high": [],
    }
    eval_seeds = [EVAL_SEED_BASE + i for i in range(args.eval_episodes)]
    done = 0
    while done < args.episodes:
        chunk = min(args.eval_every, args.episodes - done)
        part = train(train_env, agent, chunk, window=chunk, seed=args.seed * 10_000_000 + done)
        done += chunk
        wins = evaluate(eval_env, agent, eval_seeds)
        low, high = wilson_interval(sum(wins), len(wins))
        rate = sum(wins) / len(wins)
        for key, value in zip(curve, (done, part.success[-1], rate, low, high)):
            curve[key].append(value)
        print(
            f"{done:>8}  {part.success[-1]:>13.3f}  {rate:>8.3f} [{low:.3f}, {high:.3f}]  "
            f"{time.perf_counter() - start:>7.0f}",
            flush=True,
        )

    final_seeds = [EVAL_SEED_BASE + 10_000 + i for i in range(args.final_episodes)]
    learner = evaluate(eval_env, agent, final_seeds)
    rand = evaluate(eval_env, MaskedRandomAgent(n_actions, seed=args.seed), final_seeds)
    results = {
        "env": args.env,
        "templates": templates,
        "episodes": args.episodes,
        "seconds": round(time.perf_counter() - start),
        "curve": curve,
        "final": {},
    }
    print(f"\nfinal, {args.final_episodes} fresh tasks each:")
    for name, wins in (("REINFORCE (numpy)", learner), ("random (masked)", rand)):
        low, high = wilson_interval(sum(wins), len(wins))
        results["final"][name] = {
            "success": sum(wins) / len(wins),
            "ci95": [low, high],
            "n": len(wins),
        }
        print(f"  {name:<18} success {sum(wins) / len(wins):.3f}  95% CI [{low:.3f}, {high:.3f}]")
    a, b = (
        results["final"]["REINFORCE (numpy)"]["ci95"],
        results["final"]["random (masked)"]["ci95"],
    )
    separated = a[0] > b[1]
    print(
        f"  intervals {'do not overlap' if separated else 'OVERLAP'}: the learner is "
        f"{'clearly' if separated else 'not clearly'} better than random"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
    if args.plot:
        plot(curve, results, args.plot)
    if args.save:
        # make_rl_env's defaults: the view PolicyAgent rebuilds
        view = {"env_id": args.env, "hash_dim": 256, "per_tool": 4, "n_actions": None}
        print(f"policy saved to {save_numpy_policy(args.save, agent.W, view)}")
    return 0 if separated else 1


def plot(curve: dict, results: dict, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "matplotlib is not installed (pip install 'utility-gym[plot]'); no plot",
            file=sys.stderr,
        )
        return
    x = np.array(curve["episodes"])
    fig, ax = plt.subplots(figsize=(8.4, 3.6), dpi=120)
    ax.plot(x, curve["train_success"], label="training episodes (sampling)", color="0.6")
    ax.plot(x, curve["eval_success"], label="greedy, fresh tasks", color="C0", marker="o")
    ax.fill_between(
        x, curve["eval_low"], curve["eval_high"], color="C0", alpha=0.2, label="95% interval"
    )
    rand = results["final"]["random (masked)"]
    ax.axhline(rand["success"], color="C3", linestyle="--", label="random over admissible actions")
    ax.set_xlabel("training episodes")
    ax.set_ylabel("success rate")
    ax.set_ylim(0, 1)
    ax.set_title("REINFORCE (numpy) on CustomerService-v1, easy curriculum")
    # Beside the plot, not over the data.
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    print(f"plot saved to {path}")


if __name__ == "__main__":
    sys.exit(main())
