"""utility-bench fidelity: scripted people who behave unlike the AgendaUser are told apart from a
control group that says what the AgendaUser says, feature by feature, with intervals."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_client import Client
from console_people import mimic_sessions, play_user

from utility_gym.bench.cli import main as bench
from utility_gym.bench.console.fidelity import fidelity_report, render_report
from utility_gym.bench.console.server import build_console

CS = "utility/CustomerService-v1"
SESSIONS = 6  # per kind of person


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fidelity")
    folders = {}
    for kind in ("eager", "refuser", "quitter"):
        app, _ = build_console(
            root / kind, [CS], ["heuristic"], command=["utility-bench", "console"]
        )
        for i in range(SESSIONS):
            c = Client(app)
            c.get("/")
            c.post(
                "/start", {"mode": "user", "player": f"{kind}{i}", "env": CS, "agent": "heuristic"}
            )
            assert play_user(c, app, c.path, kind).done
        folders[kind] = root / kind
    mimic_sessions(root / "mimic", CS, "heuristic", SESSIONS)
    folders["mimic"] = root / "mimic"
    return folders


def _differs(folder: Path) -> set[str]:
    report = fidelity_report([folder], resamples=500)
    print(render_report(report))
    assert report.sessions == SESSIONS
    return {row.name for row in report.features if row.differs}


def test_fidelity__the_control_group_shows_no_difference_in_acts(studies) -> None:
    report = fidelity_report([studies["mimic"]], resamples=500)
    print(render_report(report))
    assert report.outcome_agreement == 1.0
    assert not {r.name for r in report.features if r.differs} & {
        "unasked facts",
        "refuse",
        "leave",
        "deny",
    }
    assert report.overall >= 0.95


@pytest.mark.parametrize(
    ("kind", "feature", "sign"),
    [
        ("eager", "unasked facts", 1),
        ("refuser", "refuse", 1),
        ("quitter", "leave", 1),
    ],
)
def test_fidelity__people_who_behave_otherwise_are_detected(
    studies, kind: str, feature: str, sign: int
) -> None:
    report = fidelity_report([studies[kind]], resamples=500)
    print(render_report(report))
    row = next(r for r in report.features if r.name == feature)
    assert row.differs and row.difference * sign > 0
    assert report.overall < fidelity_report([studies["mimic"]], resamples=200).overall


def test_fidelity__command_prints_the_report_and_writes_json(
    studies, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "fidelity.json"
    assert (
        bench(["fidelity", str(studies["refuser"]), "--out", str(out), "--bootstrap", "200"]) == 0
    )
    text = capsys.readouterr().out
    assert "refuse" in text and "differs" in text and "outcome agreement" in text
    assert '"differs": true' in out.read_text()
    assert bench(["fidelity", str(tmp_path)]) == 2  # nothing to read: a usage error, one line
