"""Train sb3-contrib's MaskablePPO on CustomerService-v1's RL view (extra 'rl', CPU torch).

The same views as ``train_numpy.py``: ``AdmissibleActions`` (a ``Discrete`` space whose
``action_masks()`` MaskablePPO reads) over ``NumericObservation`` (a ``Box``), on the same easy
curriculum, with evaluation on fresh task seeds against the uniform-random policy.

    pip install torch --index-url https://download.pytorch.org/whl/cpu   # CPU torch first
    pip install -e '.[rl]'
    .venv/bin/python examples/train_maskable_ppo.py --steps 60000 --out runs/maskable_ppo
    utility-bench run --agent policy:runs/maskable_ppo/maskable-ppo.zip --env CustomerService-v1 \
        --out runs/maskable_ppo/eval

``--out`` receives ``maskable-ppo.zip`` (the model, with the view settings ``PolicyAgent`` needs
as its ``utility_gym_view`` attribute), ``learning_curve.png`` (success of the recent training
episodes against steps, and the final evaluation of the policy and of random with 95%
intervals) and ``curve.json`` (the same numbers).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from utility_gym.agents.learners import MaskedRandomAgent, evaluate, wilson_interval
from utility_gym.wrappers import make_rl_env

CURRICULUM = ("discount_refuse", "cancel_pending", "order_status", "cancel_not_pending")
EVAL_SEED_BASE = 900_010_000


class MaskablePolicyAgent:
    """A trained MaskablePPO model as an agent of ``learners.evaluate`` (deterministic, masked)."""

    name = "maskable-ppo"

    def __init__(self, model: Any) -> None:
        self.model = model

    def reset(self) -> None:
        pass

    def act(self, obs: np.ndarray, info: dict[str, Any]) -> int:
        action, _ = self.model.predict(
            obs, action_masks=np.asarray(info["action_mask"], bool), deterministic=True
        )
        return int(action)


def build(
    templates: list[str],
    *,
    env_id: str,
    seed_pool: int,
    size: str,
    n_envs: int,
    seed: int,
    n_steps: int,
    **ppo: Any,
) -> Any:
    """A MaskablePPO model on ``n_envs`` copies of the RL view (SB3's DummyVecEnv + Monitor)."""
    try:
        from sb3_contrib import MaskablePPO
        from stable_baselines3.common.monitor import Monitor
        from stable_baselines3.common.vec_env import DummyVecEnv
    except ImportError:
        sys.exit(
            "MaskablePPO needs the 'rl' extra: pip install 'utility-gym[rl]' (with a CPU build of "
            "torch)"
        )

    import torch

    torch.set_num_threads(1)  # a small MLP: threads only contend with the env for the cores

    def make() -> Any:
        return Monitor(make_rl_env(env_id, templates, seed_pool=seed_pool, size=size))

    venv = DummyVecEnv([make for _ in range(n_envs)])
    venv.seed(seed)
    return MaskablePPO(
        "MlpPolicy", venv, n_steps=n_steps, seed=seed, device="cpu", verbose=0, **ppo
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", default="utility/CustomerService-v1")
    p.add_argument("--templates", default=",".join(CURRICULUM))
    p.add_argument("--steps", type=int, default=60_000, help="environment steps of training")
    p.add_argument("--n-envs", type=int, default=4)
    p.add_argument(
        "--n-steps", type=int, default=256, help="rollout length per env between updates"
    )
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--seed-pool", type=int, default=500)
    p.add_argument("--eval-episodes", type=int, default=200)
    p.add_argument("--size", default="default")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs/maskable_ppo"),
        help="folder for maskable-ppo.zip, learning_curve.png and curve.json",
    )
    args = p.parse_args(argv)

    templates = [t for t in args.templates.split(",") if t]
    model = build(
        templates,
        env_id=args.env,
        seed_pool=args.seed_pool,
        size=args.size,
        n_envs=args.n_envs,
        seed=args.seed,
        n_steps=args.n_steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        ent_coef=args.ent_coef,
        gamma=0.97,
    )
    print(
        f"{args.env}: MaskablePPO, templates {', '.join(templates)}, {args.steps} steps on "
        f"{args.n_envs} envs"
    )
    start = time.perf_counter()
    progress = progress_callback(max(args.steps // 20, 1))
    model.learn(total_timesteps=args.steps, callback=progress)
    seconds = time.perf_counter() - start

    eval_env = make_rl_env(args.env, templates, size=args.size)
    seeds = [EVAL_SEED_BASE + i for i in range(args.eval_episodes)]
    rows = [
        ("MaskablePPO", evaluate(eval_env, MaskablePolicyAgent(model), seeds)),
        (
            "random (masked)",
            evaluate(
                eval_env, MaskedRandomAgent(int(eval_env.action_space.n), seed=args.seed), seeds
            ),
        ),
    ]
    print(f"\ntrained in {seconds:.0f} s; final, {len(seeds)} fresh tasks each:")
    final = {}
    for name, wins in rows:
        low, high = wilson_interval(sum(wins), len(wins))
        final[name] = {"success": sum(wins) / len(wins), "ci95": [low, high], "n": len(wins)}
        print(f"  {name:<16} success {sum(wins) / len(wins):.3f}  95% CI [{low:.3f}, {high:.3f}]")
    save(
        model,
        args,
        {
            "steps": progress.steps,
            "train_success": progress.success,
            "final": final,
            "seconds": round(seconds),
        },
    )
    return 0


def save(model: Any, args: argparse.Namespace, curve: dict[str, Any]) -> None:
    """The model (with its view settings), the curve's numbers and its plot, in ``args.out``."""
    args.out.mkdir(parents=True, exist_ok=True)
    # What PolicyAgent needs to rebuild the view this model was trained on (make_rl_env's defaults).
    model.utility_gym_view = {"env_id": args.env, "hash_dim": 256, "per_tool": 4, "n_actions": None}
    model.save(args.out / "maskable-ppo.zip", include=["utility_gym_view"])
    (args.out / "curve.json").write_text(json.dumps(curve, indent=1), encoding="utf-8")
    print(f"model saved to {args.out / 'maskable-ppo.zip'}")
    plot_curve(curve, args.out / "learning_curve.png", args.env)


def plot_curve(curve: dict[str, Any], path: Path, env_id: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is missing (pip install 'utility-gym[plot]')", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(8.4, 3.6), dpi=120)
    ax.plot(
        curve["steps"],
        curve["train_success"],
        color="C0",
        marker="o",
        markersize=3,
        label="training episodes (last 100)",
    )
    colors = {"MaskablePPO": "C0", "random (masked)": "C3"}
    for name, row in curve["final"].items():
        ax.axhline(
            row["success"],
            color=colors.get(name, "0.5"),
            linestyle="--",
            linewidth=1,
            label=f"{name}, fresh tasks: {row['success']:.2f}",
        )
        ax.axhspan(*row["ci95"], color=colors.get(name, "0.5"), alpha=0.12)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("success rate")
    ax.set_ylim(0, 1)
    ax.set_title(f"MaskablePPO on {env_id.split('/')[-1]}, easy curriculum")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"learning curve saved to {path}")


def progress_callback(every: int) -> Any:
    """An SB3 callback printing the success of the last 100 training episodes every ``every``
    steps."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Progress(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.printed = 0
            self.steps: list[int] = []
            self.success: list[float] = []

        def _on_step(self) -> bool:
            if self.num_timesteps // every > self.printed:
                self.printed = self.num_timesteps // every
                episodes = list(self.model.ep_info_buffer)
                rate = float(np.mean([e["r"] for e in episodes])) if episodes else float("nan")
                if episodes:
                    self.steps.append(int(self.num_timesteps))
                    self.success.append(rate)
                print(
                    f"  {self.num_timesteps:>7} steps  success of recent training episodes "
                    f"{rate:.3f}",
                    flush=True,
                )
            return True

    return Progress()


if __name__ == "__main__":
    sys.exit(main())
