"""Deployment files and dependency locks: what can be checked without a Docker daemon."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "packaging" / "deploy"
PIN = re.compile(
    r"^([A-Za-z0-9_.\-]+)(\[[a-z,]+\])?==([^ \\]+) \\\n    --hash=sha256:[0-9a-f]{64}$", re.M
)


def _pins(path: Path) -> dict[str, str]:
    text = path.read_text()
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    found = {m.group(1).lower().replace("_", "-"): m.group(3) for m in PIN.finditer(text)}
    assert len(found) * 2 == len(body), f"{path.name}: every pin is name==version plus one hash"
    return found


def test_runtime_and_dev_locks_are_hashed_and_disjoint() -> None:
    runtime = _pins(ROOT / "requirements.lock")
    dev = _pins(ROOT / "requirements-dev.lock")
    assert not set(runtime) & set(dev)
    for tool in ("pytest", "mypy", "ruff", "hypothesis", "import-linter", "scikit-learn"):
        assert tool in dev and tool not in runtime
    for needed in ("slack-bolt", "sqlalchemy", "presidio-analyzer", "apscheduler", "alembic"):
        assert needed in runtime


def test_pyproject_declares_dependencies_and_the_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(ROOT / "requirements.lock")
    for dep in project["dependencies"]:
        name = re.split(r"[\[<>=!~ ]", dep, maxsplit=1)[0].lower().replace("_", "-")
        assert name in runtime, f"{name} is declared but not pinned in requirements.lock"
    assert project["scripts"]["countersign"] == "app:main"


def test_image_copies_only_what_exists_and_runs_as_a_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), src
    assert "--require-hashes" in dockerfile and "USER countersign" in dockerfile
    assert "requirements-dev.lock" not in dockerfile


def test_compose_migrates_as_owner_and_serves_under_the_runtime_role() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    migrate, app = services["migrate"], services["app"]
    assert "db upgrade" in migrate["command"][0]
    assert "db grants countersign_app --apply" in migrate["command"][0]
    assert "OWNER_DATABASE_URL" in migrate["environment"]["DATABASE_URL"]
    assert "APP_DATABASE_URL" in app["environment"]["DATABASE_URL"]
    assert app["command"] == ["serve"] and app["deploy"]["replicas"] >= 2
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    build = migrate["build"]
    assert (DEPLOY / build["context"]).resolve() == ROOT
    assert (ROOT / build["dockerfile"]).exists()
    init = DEPLOY / "initdb" / "10-runtime-role.sh"
    assert "CREATE ROLE countersign_app LOGIN" in init.read_text()
    # every setting the compose file passes is a documented setting
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    for service in services.values():
        assert set(service.get("environment", {})) <= documented | {
            "POSTGRES_DB",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD_FILE",
        }


def test_service_unit_runs_serve_after_migrating() -> None:
    unit = (DEPLOY / "countersign.service").read_text()
    assert "ExecStartPre=/opt/countersign/.venv/bin/python app.py db upgrade" in unit
    assert "ExecStart=/opt/countersign/.venv/bin/python app.py serve" in unit
