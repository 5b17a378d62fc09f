"""Train sb3-contrib's MaskablePPO on CustomerService-v0's RL view (extra 'rl', CPU torch).

The same views as ``train_numpy.py``: ``AdmissibleActions`` (a ``Discrete`` space whose
``action_masks()`` MaskablePPO reads) over ``NumericObservation`` (a ``Box``), on the same easy
curriculum, with evaluation on fresh task seeds against the uniform-random policy.

    pip install 'utility-gym[rl]'          # CPU torch: pip install torch --index-url https://download.pytorch.org/whl/cpu
    .venv/bin/python benchmarks/train_maskable_ppo.py --steps 60000
"""

from __future__ import annotations

import argparse
import sys
import time
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
        action, _ = self.model.predict(obs, action_masks=np.asarray(info["action_mask"], bool), deterministic=True)
        return int(action)


def build(templates: list[str], *, env_id: str, seed_pool: int, size: str, n_envs: int, seed: int, n_steps: int, **ppo: Any) -> Any:
    """A MaskablePPO model on ``n_envs`` copies of the RL view (SB3's DummyVecEnv + Monitor)."""
    try:
        from sb3_contrib import MaskablePPO
        from stable_baselines3.common.monitor import Monitor
        from stable_baselines3.common.vec_env import DummyVecEnv
    except ImportError:
        sys.exit("MaskablePPO needs the 'rl' extra: pip install 'utility-gym[rl]' (with a CPU build of torch)")

    import torch

    torch.set_num_threads(1)  # a small MLP: threads only contend with the env for the cores

    def make() -> Any:
        return Monitor(make_rl_env(env_id, templates, seed_pool=seed_pool, size=size))

    venv = DummyVecEnv([make for _ in range(n_envs)])
    venv.seed(seed)
    return MaskablePPO("MlpPolicy", venv, n_steps=n_steps, seed=seed, device="cpu", verbose=0, **ppo)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", default="utility/CustomerService-v0")
    p.add_argument("--templates", default=",".join(CURRICULUM))
    p.add_argument("--steps", type=int, default=60_000, help="environment steps of training")
    p.add_argument("--n-envs", type=int, default=4)
    p.add_argument("--n-steps", type=int, default=256, help="rollout length per env between updates")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--seed-pool", type=int, default=500)
    p.add_argument("--eval-episodes", type=int, default=200)
    p.add_argument("--size", default="default")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    templates = [t for t in args.templates.split(",") if t]
    model = build(templates, env_id=args.env, seed_pool=args.seed_pool, size=args.size, n_envs=args.n_envs, seed=args.seed,
                  n_steps=args.n_steps, batch_size=args.batch_size, learning_rate=args.lr, ent_coef=args.ent_coef, gamma=0.97)
    print(f"{args.env}: MaskablePPO, templates {', '.join(templates)}, {args.steps} steps on {args.n_envs} envs")
    start = time.perf_counter()
    model.learn(total_timesteps=args.steps, callback=progress_callback(max(args.steps // 10, 1)))
    seconds = time.perf_counter() - start

    eval_env = make_rl_env(args.env, templates, size=args.size)
    seeds = [EVAL_SEED_BASE + i for i in range(args.eval_episodes)]
    rows = [("MaskablePPO", evaluate(eval_env, MaskablePolicyAgent(model), seeds)),
            ("random (masked)", evaluate(eval_env, MaskedRandomAgent(int(eval_env.action_space.n), seed=args.seed), seeds))]
    print(f"\ntrained in {seconds:.0f} s; final, {len(seeds)} fresh tasks each:")
    for name, wins in rows:
        low, high = wilson_interval(sum(wins), len(wins))
        print(f"  {name:<16} success {sum(wins) / len(wins):.3f}  95% CI [{low:.3f}, {high:.3f}]")
    return 0


def progress_callback(every: int) -> Any:
    """An SB3 callback printing the success of the last 100 training episodes every ``every`` steps."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Progress(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.printed = 0

        def _on_step(self) -> bool:
            if self.num_timesteps // every > self.printed:
                self.printed = self.num_timesteps // every
                episodes = list(self.model.ep_info_buffer)
                rate = np.mean([e["r"] for e in episodes]) if episodes else float("nan")
                print(f"  {self.num_timesteps:>7} steps  success of recent training episodes {rate:.3f}", flush=True)
            return True

    return Progress()


if __name__ == "__main__":
    sys.exit(main())
