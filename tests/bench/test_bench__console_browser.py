"""The console end to end in Chromium (Playwright): scripted people play every mode at the same time
on one server, by keyboard where it matters, at 1280 px and at phone width; each session stays
its own. Screenshots go to ``tmp_path`` (or to ``$CONSOLE_SCREENSHOTS`` when set).

Sessions per mode here: be the user 2 (one keyboard-only, with its rating), be the agent 2 (one
keyboard-only, message and tool form, at 1280 px; one at phone width), arena 1 match (2 sessions
and a vote). Needs Chromium: skips without one, fails under CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from console_people import ScriptedPerson

from utility_gym.bench.cli import main as bench
from utility_gym.bench.console.server import ConsoleServer, build_console
from utility_gym.testing import browser_skip_reason

CS = "utility/CustomerService-v1"
TK = "utility/Ticketing-v1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
READY = "#say-form, #rate-form, #result, #back"


@pytest.fixture(scope="module")
def browser() -> Any:
    reason = browser_skip_reason("utility/WebShopBrowser-v1")
    if reason:
        pytest.skip(reason)
    from utility_gym.envs.web_shop.chromium import shared_browser

    return shared_browser()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Person:
    """One browser context (its own cookies): a scripted person at a screen size."""

    def __init__(self, browser: Any, server: ConsoleServer, size: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=size)
        self.page = self.context.new_page()
        self.server = server
        self.script: ScriptedPerson | None = None

    def start(
        self,
        player: str,
        mode: str,
        env: str = CS,
        agent: str = "heuristic",
        keyboard: bool = False,
    ) -> None:
        page = self.page
        page.goto(self.server.url + "/")
        if (
            keyboard
        ):  # the name box has the focus; the defaults are be-the-user, the first env and agent
            page.wait_for_function(
                "document.activeElement && document.activeElement.id == 'player'"
            )
            page.keyboard.type(player)
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            page.check(f"input[name=mode][value={mode}]")
            page.fill("#player", player)
            page.select_option("#env", env)
            page.select_option("#agent", agent)
            page.click("#start")
        page.wait_for_load_state()

    def session(self, app: Any) -> Any:
        return app.sessions[self.page.url.rsplit("/", 1)[-1]]

    def wait(self) -> None:
        self.page.wait_for_selector(READY, timeout=30_000)

    def no_overflow(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.page.viewport_size["width"], (
            f"{width}px wide at {self.page.viewport_size}"
        )

    def say(self, text: str, keyboard: bool = True) -> None:
        page = self.page
        if keyboard:  # the reply box has the focus: type, Enter
            page.wait_for_function("document.activeElement && document.activeElement.id == 'text'")
            page.keyboard.type(text)
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            page.fill("#text", text)
            with page.expect_navigation():
                page.click("#send")

    def last_agent_words(self) -> str:
        texts = self.page.locator(".line.agent .text").all_inner_texts()
        return texts[-1] if texts else ""


def _user_turn(person: Person, app: Any) -> bool:
    """One turn of a scripted person playing the user; False once the session is over."""
    person.wait()
    page = person.page
    if page.locator("#say-form").count() == 0:
        return False
    if person.script is None:
        session = person.session(app)
        person.script = ScriptedPerson("plain", session.goal, session.key.env_id)
        person.say(person.script.opening())
        return True
    text, leave = person.script.reply(person.last_agent_words())
    if leave:
        page.fill("#last", text)
        page.click("#leave")
        page.wait_for_load_state()
        return False
    person.say(text)
    return True


def _rate_by_keyboard(page: Any) -> None:
    page.wait_for_selector("#rate-form")
    page.wait_for_function("document.activeElement && document.activeElement.name == 'solved'")
    page.keyboard.press("Space")  # "Yes"
    page.keyboard.press("Tab")  # leaves the radio group (its other radio is not a tab stop)
    page.keyboard.press("ArrowDown")  # effort 2
    page.keyboard.press("Tab")
    page.keyboard.press("End")  # clarity 5
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#thanks")


def _agent_turns(person: Person, app: Any, shots: Path, name: str, keyboard: bool) -> None:
    """A scripted person plays the agent: asks for the email, looks it up (by keyboard alone
    with ``keyboard``), ends."""
    page = person.page
    person.wait()
    assert page.locator(".line.user").count() == 1
    person.say("Hello! Could you tell me the email address on your account?", keyboard=keyboard)
    person.wait()
    words = page.locator(".line.user .text").all_inner_texts()[-1]
    email = next((w.strip(".,!") for w in words.split() if "@" in w), "nobody@example.com")
    if keyboard:  # from the message box: Send, Stop, then the first tool; Enter opens it
        page.wait_for_function("document.activeElement && document.activeElement.id == 'text'")
        for _ in range(3):
            page.keyboard.press("Tab")
        assert (
            page.evaluate("document.activeElement.parentElement.id")
            == "tool-find_customer_by_email"
        )
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        page.keyboard.type(email)
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.click("#tool-find_customer_by_email summary")
        page.fill("#tool-find_customer_by_email input[name='arg.email']", email)
        with page.expect_navigation():
            page.click("#tool-find_customer_by_email button")
    person.wait()
    assert page.locator(".line.tool").count() == 1
    person.no_overflow()
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.click("#tool-end_conversation summary")
    page.click("#tool-end_conversation button")
    page.wait_for_selector("#result")


def test_console__every_mode_in_chromium_at_once(browser: Any, tmp_path: Path, shots: Path) -> None:
    out = tmp_path / "sessions"
    app, _ = build_console(
        out, [CS, TK], ["heuristic", "random"], command=["utility-bench", "console"]
    )
    with ConsoleServer(app, "127.0.0.1", 0) as server:
        people = {
            "user_kb": Person(browser, server, DESKTOP),
            "user_phone": Person(browser, server, PHONE),
            "agent_desk": Person(browser, server, DESKTOP),
            "agent_phone": Person(browser, server, PHONE),
            "arena": Person(browser, server, DESKTOP),
        }
        try:
            people["user_kb"].start("kim", "user", keyboard=True)
            people["user_phone"].start("lou", "user", TK, "random")
            people["agent_desk"].start("max", "agent")
            people["agent_phone"].start("nia", "agent")
            people["arena"].start("oli", "arena")
            # four sessions and an arena match are open at once; nobody sees another's session
            for a, b in (("user_kb", "agent_desk"), ("agent_phone", "user_phone")):
                people[b].page.goto(people[a].page.url)
                assert "no such session" in people[b].page.content()
                people[b].page.go_back()
            people["user_phone"].page.screenshot(
                path=str(shots / "user_goal_card_phone.png"), full_page=True
            )
            _play_interleaved(people, app, shots)
            _play_arena(people["arena"], app, shots)
        finally:
            for person in people.values():
                person.context.close()
    assert not list((out / "journal").iterdir())  # every session reached its run folder
    folders = sorted(p for p in out.iterdir() if p.is_dir() and p.name not in ("arena", "journal"))
    assert [p.name for p in folders] == [
        "agent--max",
        "agent--nia",
        "user--kim--heuristic",
        "user--lou--random",
        "user--oli--heuristic",
        "user--oli--random",
    ]
    for folder in folders:
        assert bench(["verify", str(folder)]) == 0, folder


def _play_interleaved(people: dict[str, Person], app: Any, shots: Path) -> None:
    users = [people["user_kb"], people["user_phone"]]
    _agent_turns(people["agent_desk"], app, shots, "agent_desktop", keyboard=True)
    active = list(users)
    for _ in range(40):  # the two users take turns: the server serves both sessions at once
        active = [p for p in active if _user_turn(p, app)]
        if not active:
            break
    _agent_turns(people["agent_phone"], app, shots, "agent_phone", keyboard=False)
    kb = people["user_kb"]
    kb.no_overflow()
    kb.page.screenshot(path=str(shots / "user_end_desktop.png"), full_page=True)
    _rate_by_keyboard(kb.page)
    assert kb.session(app).rating == {"solved": True, "effort": 2, "clarity": 5}
    phone = people["user_phone"]
    phone.no_overflow()
    phone.page.screenshot(path=str(shots / "user_end_phone.png"), full_page=True)
    for person in users:
        assert person.session(app).done and person.session(app).saved_to is not None
    assert {p.session(app).key.task_id for p in users} != {None}


def _play_arena(person: Person, app: Any, shots: Path) -> None:
    page = person.page
    match = page.url
    pair = app.pairs[match.rsplit("/", 1)[-1]]
    page.screenshot(path=str(shots / "arena_match.png"), full_page=True)
    for slot in "ab":
        page.goto(match)
        page.click(f"#open-{slot}")
        person.script = None
        while _user_turn(person, app):
            pass
        assert "heuristic" not in page.inner_text("main") and "random" not in page.inner_text(
            "main"
        )
    page.goto(match)
    page.check("input[name=winner][value=b]")
    page.click("#vote")
    page.wait_for_selector("#voted")
    assert pair.vote == "b"
    page.goto(person.server.url + "/board")
    page.wait_for_selector("#ratings")
    page.screenshot(path=str(shots / "arena_board.png"), full_page=True)
    person.no_overflow()
