"""A hash of transcripts, to show that a change keeps them byte-identical.

    python benchmarks/transcript_hash.py [EPISODES]        # 30 by default
    python benchmarks/transcript_hash.py --test-split      # every test-split task, shaped reward

Runs EPISODES heuristic and EPISODES oracle episodes of each text env (default size) and of two
stream ids (small), and hashes every observation, reward and info event, and each final grade's
success, partial, outcome, checkpoints and reasons. Run it on two checkouts (e.g. with
``PYTHONPATH=<other checkout>``) and compare the lines: equal hashes, equal transcripts.
"""

import hashlib
import json
import sys

import gymnasium as gym

from utility_gym.bench.agents import agent_path, build_agent

TEST_SPLIT = "--test-split" in sys.argv
n = int(sys.argv[1]) if len(sys.argv) > 1 and not TEST_SPLIT else 30  # episodes per agent and env
total = hashlib.sha256()
ENV_IDS = [
    "utility/CustomerService-v1",
    "utility/Ticketing-v1",
    "utility/TicketingQueue-v0",
    "utility/WebShop-v1",
    "utility/CustomerServiceStream-v2",
    "utility/WebShopStream-v2",
]
for env_id in ENV_IDS[:4] if TEST_SPLIT else ENV_IDS:
    h = hashlib.sha256()
    for agent_name in ["heuristic", "oracle"]:
        kwargs = {"split": "test", "reward_mode": "shaped"} if TEST_SPLIT else {}
        env = gym.make(env_id, size="default" if "Stream" not in env_id else "small", **kwargs)
        path = agent_path(agent_name, env_id)
        task_ids = env.unwrapped.task_ids("test") if TEST_SPLIT else [None] * n
        for ep, task_id in enumerate(task_ids):
            seed = 500 + ep if ("Stream" not in env_id or ep == 0) else None
            options = {"task_id": task_id} if task_id else None
            try:
                obs, info = env.reset(seed=seed, options=options)
            except Exception as e:
                h.update(type(e).__name__.encode())  # the class, wherever it is defined
                break
            agent = build_agent(path, env, ep)
            h.update(obs.encode("utf-8", "surrogatepass"))
            done = False
            while not done:
                obs, r, t, tr, info = env.step(agent.act(obs, info))
                done = t or tr
                h.update(obs.encode("utf-8", "surrogatepass"))
                h.update(repr(r).encode())
                h.update(
                    json.dumps(info["events"], sort_keys=True, default=str).encode(
                        "utf-8", "surrogatepass"
                    )
                )
            g = info["grade"]
            h.update(
                json.dumps(
                    [
                        g["success"],
                        float(g["partial"]),
                        g["reasons"],
                        g["outcome"],
                        g["checkpoints"],
                    ],
                    sort_keys=True,
                    default=str,
                ).encode()
            )
        env.close()
    print(env_id, h.hexdigest()[:16], flush=True)
    total.update(h.digest())
print("all", total.hexdigest()[:16])
