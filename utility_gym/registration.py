"""Every gym.register call of utility-gym, in one place."""

from __future__ import annotations

import gymnasium as gym


def _register(env_id: str, entry_point: str, max_episode_steps: int, **kwargs: object) -> None:
    if env_id in gym.registry:
        return
    module = entry_point.split(":")[0]
    gym.register(
        id=env_id,
        entry_point=entry_point,
        vector_entry_point=f"{module}:make_vector_env",
        max_episode_steps=max_episode_steps,
        kwargs=dict(kwargs),
    )


_register(
    "utility/CustomerService-v1", "utility_gym.envs.customer_service.env:CustomerServiceEnv", 40
)
_register("utility/Ticketing-v1", "utility_gym.envs.ticketing.env:TicketingEnv", 60)
_register("utility/TicketingQueue-v0", "utility_gym.envs.ticketing.queue_env:TicketingQueueEnv", 60)
_register("utility/WebShop-v1", "utility_gym.envs.web_shop.env:WebShopEnv", 50)
_register(
    "utility/WebShopBrowser-v1",
    "utility_gym.envs.web_shop.browser_env:WebShopBrowserEnv",
    50,
    backend="browser",
)

# Streams: one persistent world across episodes (reset(seed) starts a stream, reset() goes on).
_register(
    "utility/CustomerServiceStream-v2",
    "utility_gym.envs.customer_service.env:CustomerServiceEnv",
    40,
    mode="stream",
)
_register(
    "utility/TicketingStream-v2", "utility_gym.envs.ticketing.env:TicketingEnv", 60, mode="stream"
)
_register("utility/WebShopStream-v2", "utility_gym.envs.web_shop.env:WebShopEnv", 50, mode="stream")
