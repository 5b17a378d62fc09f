"""utility-bench console without a browser: both sides played through the WSGI app, saved as runs
that verify, and the safety rules (CSRF, isolation, escaping, loopback, token, nothing lost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from console_client import Client
from console_people import play_user

from utility_gym.bench.cli import main as bench
from utility_gym.bench.console import store
from utility_gym.bench.console.forms import call_from_form, tool_forms
from utility_gym.bench.console.server import build_console, check_binding

CS = "utility/CustomerService-v1"


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("console")
    app, notes = build_console(
        out,
        [CS],
        ["heuristic", "console_people:CrashingAgent"],
        command=["utility-bench", "console", "--out", str(out)],
    )
    assert notes == []
    return app


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "trajectories.jsonl").read_text().splitlines()]


def test_console__be_the_agent_is_saved_graded_and_verifies(console) -> None:
    c = Client(console)
    c.get("/")
    c.post("/start", {"mode": "agent", "player": "ann", "env": CS, "task": ""})
    session = console.sessions[c.path.rsplit("/", 1)[-1]]
    c.until('id="say-form"')
    assert "Customer" in c.text and "find_customer_by_email" in c.text and "Policy" in c.text
    c.post(c.path + "/say", {"text": "Hello! What is the email address on your account?"})
    c.until('id="say-form"')
    email = next(word.strip(".,") for word in session.lines[-1].text.split() if "@" in word)
    c.post(c.path + "/tool", {"tool": "find_customer_by_email", "arg.email": email})
    c.until('id="say-form"')
    assert session.lines[-1].role == "tool" and email in session.lines[-2].text
    c.post(c.path + "/tool", {"tool": "end_conversation"})
    c.until('id="result"')
    record = _lines(console.settings.out / "agent--ann")[0]
    assert record["person"] == {
        "side": "agent",
        "mode": "agent",
        "name": "ann",
        "session": session.id,
        "rating": None,
    }
    assert record["steps"][2]["action"] == {
        "name": "find_customer_by_email",
        "arguments": {"email": email},
    }
    results = json.loads((console.settings.out / "agent--ann" / "results.json").read_text())
    assert (
        results["agent"]["kind"] == "human"
        and not (console.settings.out / "journal" / f"{session.id}.json").exists()
    )
    assert bench(["verify", str(console.settings.out / "agent--ann")]) == 0


def test_console__be_the_user_replays_the_persons_turns(console, tmp_path: Path) -> None:
    c = Client(console)
    c.get("/")
    c.post("/start", {"mode": "user", "player": "bea", "env": CS, "agent": "heuristic"})
    session = play_user(c, console, c.path, "plain")
    assert session.done and 'id="rate-form"' in c.text
    c.post(c.path + "/rate", {"solved": "yes", "effort": "2", "clarity": "5"})
    folder = console.settings.out / "user--bea--heuristic"
    record = _lines(folder)[0]
    person = record["person"]
    assert person["side"] == "user" and person["rating"] == {
        "solved": True,
        "effort": 2,
        "clarity": 5,
    }
    assert person["turns"][0]["text"] in record["steps"][0]["observation"]
    results = json.loads((folder / "results.json").read_text())
    assert results["agent"]["kind"] == "human-user" and results["agent"]["name"] == "heuristic"
    assert results["envs"][CS]["user_simulator"]["class"].endswith("people:PersonUser")
    assert bench(["verify", str(folder)]) == 0
    # a changed word of the person's makes the replay differ: their turns are what is checked
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    (tampered / "results.json").write_text((folder / "results.json").read_text())
    record["person"]["turns"][1]["text"] = "I would rather not say."
    (tampered / "trajectories.jsonl").write_text(json.dumps(record) + "\n")
    assert bench(["verify", str(tampered)]) == 1


def test_console__a_crashed_agent_keeps_the_session(console) -> None:
    c = Client(console)
    c.get("/")
    c.post("/start", {"mode": "user", "player": "cy", "env": CS, "agent": "crashing"})
    c.until('id="say-form"')
    c.post(c.path + "/say", {"text": "Hi, I need help with my order."})
    c.until('id="say-form"')
    c.post(c.path + "/say", {"text": "It is someone@example.com"})
    c.until('id="rate-form"')
    assert "did not finish" in c.text and "ConnectionError" in c.text
    folder = console.settings.out / "user--cy--crashing"
    record = _lines(folder)[0]
    assert (
        record["error"].startswith("ConnectionError in agent.act (turn 2)")
        and not record["success"]
    )
    assert len(record["person"]["turns"]) == 2
    assert bench(["verify", str(folder)]) == 0


def test_console__csrf_isolation_and_escaping(console) -> None:
    owner, other = Client(console), Client(console)
    owner.get("/")
    owner.post("/start", {"mode": "agent", "player": "dee", "env": CS})
    path = owner.path
    owner.until('id="say-form"')
    owner.request("POST", path + "/say", {"text": "no token"})
    assert owner.status == 403 and "security token" in owner.text
    other.get("/")
    other.get(path)
    assert other.status == 404  # another browser cannot read the session
    other.post(path + "/say", {"text": "hijack"})
    assert other.status in (403, 404)
    owner.get(path)
    owner.post(path + "/say", {"text": "<script>alert(1)</script> & <b>bold</b>"})
    owner.until('id="say-form"')
    assert "<script>alert(1)</script>" not in owner.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in owner.text
    owner.post("/start", {"mode": "agent", "player": "bad name!", "env": CS})
    assert owner.status == 400 and "your name" in owner.text


def test_console__stopping_saves_open_sessions_and_journals_are_recovered(tmp_path: Path) -> None:
    out = tmp_path / "c"
    app, _ = build_console(out, [CS], ["heuristic"], command=["utility-bench", "console"])
    c = Client(app)
    c.get("/")
    c.post("/start", {"mode": "agent", "player": "eve", "env": CS})
    c.until('id="say-form"')
    c.post(c.path + "/say", {"text": "Hello, how can I help?"})
    c.until('id="say-form"')
    session = app.sessions[c.path.rsplit("/", 1)[-1]]
    journal = json.loads(store.journal_path(out, session.id).read_text())
    assert len(journal["steps"]) == 2  # written after every step: a killed server loses nothing
    saved = dict(journal)
    session.stop()  # what the server does for every open session when it stops (or the tab is gone)
    record = _lines(out / "agent--eve")[0]
    assert (
        record["error"] == "the console stopped before the episode ended" and record["turns"] == 1
    )
    assert bench(["verify", str(out / "agent--eve")]) == 0
    # a journal left by a killed server is saved when the console starts again
    saved["session"], saved["key"]["task_id"], saved["key"]["player"] = (
        "lost",
        saved["key"]["task_id"],
        "fay",
    )
    store.journal_path(out, "lost").write_text(json.dumps(saved))
    _, notes = build_console(out, [CS], ["heuristic"], command=["utility-bench", "console"])
    assert notes == [f"saved the unfinished session lost to {out / 'agent--fay'}"]
    assert not store.journal_path(out, "lost").exists()
    assert bench(["verify", str(out / "agent--fay")]) == 0


def test_console__binds_to_loopback_unless_a_token_is_given(tmp_path: Path) -> None:
    check_binding("127.0.0.1", None)
    with pytest.raises(ValueError, match="loopback"):
        check_binding("0.0.0.0", None)
    with pytest.raises(ValueError, match="--token"):
        check_binding("0.0.0.0", "short")
    check_binding("0.0.0.0", "a" * 20)
    app, _ = build_console(tmp_path, [CS], ["heuristic"], token="t" * 20)
    c = Client(app)
    c.get("/")
    assert c.status == 403 and "access token" in c.text
    c.get("/?token=" + "t" * 20)
    assert c.status == 200 and c.cookies.get("uc_auth") == "t" * 20
    c.get("/board")
    assert c.status == 200


def test_console__tool_forms_follow_the_schemas() -> None:
    schema = [
        {
            "type": "function",
            "function": {
                "name": "refund",
                "description": "Refund an order.\nMore text.",
                "parameters": {
                    "type": "object",
                    "required": ["order_id", "amount"],
                    "properties": {
                        "order_id": {"type": "string"},
                        "amount": {"type": "number"},
                        "count": {"type": "integer"},
                        "to": {"type": "string", "enum": ["card", "credit"]},
                        "items": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        }
    ]
    (form,) = tool_forms(schema)
    assert [f.kind for f in form.fields] == ["text", "number", "number", "choice", "json"]
    assert form.summary == "Refund an order."
    call = call_from_form(
        form,
        {
            "arg.order_id": "#W1",
            "arg.amount": "12.5",
            "arg.count": "",
            "arg.to": "card",
            "arg.items": '["a"]',
        },
    )
    assert call == {
        "name": "refund",
        "arguments": {"order_id": "#W1", "amount": 12.5, "to": "card", "items": ["a"]},
    }
    # what does not convert goes to the env as typed, which answers it with an error observation
    assert (
        call_from_form(form, {"arg.order_id": "x", "arg.amount": "lots"})["arguments"]["amount"]
        == "lots"
    )


def test_console__many_people_at_once_stay_apart(console) -> None:
    """Six people play the user at the same time (threads, one app): each session gets only its
    own person's turns and lands in its own run folder."""
    from concurrent.futures import ThreadPoolExecutor

    def one(i: int) -> tuple[str, list[str]]:
        c = Client(console)
        c.get("/")
        kind = ("plain", "eager", "refuser")[i % 3]
        c.post("/start", {"mode": "user", "player": f"crowd{i}", "env": CS, "agent": "heuristic"})
        session = play_user(c, console, c.path, kind)
        return session.id, [t.text for t in session._person.turns]

    with ThreadPoolExecutor(6) as pool:
        played = list(pool.map(one, range(6)))
    for i, (session_id, typed) in enumerate(played):
        (record,) = _lines(console.settings.out / f"user--crowd{i}--heuristic")
        assert record["person"]["session"] == session_id and record["person"]["name"] == f"crowd{i}"
        assert [t["text"] for t in record["person"]["turns"]] == typed
    assert bench(["verify", str(console.settings.out)]) == 0  # every folder of the console


def test_console__an_idle_session_is_saved_unfinished(tmp_path: Path) -> None:
    app, _ = build_console(tmp_path, [CS], ["heuristic"], idle_seconds=0.3)
    c = Client(app)
    c.get("/")
    c.post("/start", {"mode": "user", "player": "idle", "env": CS, "agent": "heuristic"})
    c.until('id="say-form"')
    c.post(c.path + "/say", {"text": "Hello, I need help."})
    c.until("did not finish", timeout=10)
    assert "away for 0 s" in c.text
    (record,) = _lines(tmp_path / "user--idle--heuristic")
    assert record["error"].startswith("SessionStopped") and record["grade"] is None
    assert bench(["verify", str(tmp_path / "user--idle--heuristic")]) == 0


def test_console__a_queue_env_is_played_as_the_agent_only(tmp_path: Path) -> None:
    queue = "utility/TicketingQueue-v0"
    app, _ = build_console(tmp_path, [queue], ["heuristic"])
    assert not app.envs[queue].person_user
    c = Client(app)
    c.get("/")
    c.post("/start", {"mode": "user", "player": "pat", "env": queue, "agent": "heuristic"})
    assert c.status == 400 and "be the agent there" in c.text
    c.post("/start", {"mode": "agent", "player": "pat", "env": queue})
    c.until('id="say-form"')
    assert "System" in c.text and "new tickets to triage" in c.text and "search_tickets" in c.text
