"""Baseline agents: oracle, degenerate agents for validity tests, random."""

from utility_gym.agents.base import Agent, tool_call
from utility_gym.agents.degenerate import (
    AgreeToEverythingAgent,
    BareConfirmAgent,
    DoNothingAgent,
    RefuseEverythingAgent,
    TransferAtOnceAgent,
)
from utility_gym.agents.oracle import OracleAgent
from utility_gym.agents.random_agent import RandomAgent

__all__ = [
    "Agent",
    "AgreeToEverythingAgent",
    "DoNothingAgent",
    "OracleAgent",
    "RandomAgent",
    "BareConfirmAgent",
    "RefuseEverythingAgent",
    "TransferAtOnceAgent",
    "tool_call",
]
