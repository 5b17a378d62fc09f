"""Tools of the web shop: the browser actions as OpenAI-format functions, plus the two exits.

``search[...]``, ``click[...]``, ``select[...]``, ``back`` and ``fill[...]`` are these tools in
bracket form. Each returns the new page as text with numbered elements.
"""

from __future__ import annotations

from utility_gym.core.tools import ToolContext, ToolSpec, tool
from utility_gym.envs.web_shop.navigator import WebSession, navigator_for


def _session(ctx: ToolContext) -> WebSession:
    return WebSession(navigator_for(ctx))


@tool(session=True)
def search(ctx: ToolContext, query: str) -> str:
    """Type a query into the shop's search box and submit it; returns the results page.

    Args:
        query: The words to search for, e.g. "waterproof rain jacket".
    """
    return _session(ctx).search(query).text


@tool(writes=True, confirm=False)
def click(ctx: ToolContext, target: str) -> str:
    """Click a link or button on the current page; returns the page it leads to.

    Args:
        target: The element's number, e.g. "5", or its label, e.g. "Buy Now", or a product id.
    """
    return _session(ctx).click(target).text


@tool(session=True)
def select(ctx: ToolContext, option: str) -> str:
    """Choose a product option (size, color, quantity ...) on a product page.

    Args:
        option: The option's label, e.g. "M", or dimension and value, e.g. "size: M" or "quantity
        2".
    """
    return _session(ctx).select(option).text


@tool(session=True)
def back(ctx: ToolContext) -> str:
    """Go back to the previous page."""
    return _session(ctx).back().text


@tool(session=True)
def fill(ctx: ToolContext, target: str, text: str) -> str:
    """Type text into a field of the current page without submitting it.

    Args:
        target: The field's number or label, e.g. "2".
        text: What to type.
    """
    return _session(ctx).fill(target, text).text


@tool(outcome="transferred")
def transfer_to_human(ctx: ToolContext, summary: str) -> dict:
    """Hand the shopper to a human assistant, with a summary of what they need. Ends the
    conversation.

    Args:
        summary: What the shopper wants and what was done so far.
    """
    return {"status": "transferred"}


@tool(terminal=True)
def end_conversation(ctx: ToolContext) -> dict:
    """End the conversation with the shopper."""
    return {"status": "ended"}


TOOLS: tuple[ToolSpec, ...] = (
    search,
    click,
    select,
    back,
    fill,
    end_conversation,
    transfer_to_human,
)
WEB_TOOL_NAMES = frozenset(("search", "click", "select", "back", "fill"))
