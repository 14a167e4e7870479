"""Boundaries the code must keep: routes and services reach the queue only through the outbox."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Where the rest of the app lives: it may call notify()/alert_division(), never the queue.
SCANNED = ("app/blueprints", "app/services")
FORBIDDEN_MODULES = ("rq", "app.jobs", "app.notifications.jobs", "app.notifications.worker")
FORBIDDEN_NAMES = ("get_queue", "Queue", "Retry")


def _forbidden_module(name):
    return any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)


def _forbidden_name(name):
    return "enqueue" in name.lower() or name in FORBIDDEN_NAMES


def queue_access(source, filename="<source>"):
    """Every place in `source` that imports RQ or the job modules, names an enqueue function or
    get_queue, or passes a job's dotted path; as "file:line: what" strings."""
    found = []

    def hit(node, what):
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _forbidden_module(alias.name):
                    hit(node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and _forbidden_module(module):
                hit(node, f"from {module} import …")
            for alias in node.names:
                if _forbidden_name(alias.name) or (node.level == 0 and _forbidden_module(f"{module}.{alias.name}")):
                    hit(node, f"from {module} import {alias.name}")
        elif isinstance(node, ast.Name) and _forbidden_name(node.id):
            hit(node, node.id)
        elif isinstance(node, ast.Attribute) and _forbidden_name(node.attr):
            hit(node, f".{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                node.value.startswith("app.notifications.jobs."):
            hit(node, repr(node.value))
    return found


def test_no_route_or_service_touches_the_queue_directly():
    files = sorted(path for folder in SCANNED for path in (ROOT / folder).rglob("*.py"))
    assert len(files) > 10  # the scan really looked at the code
    found = [line for path in files
             for line in queue_access(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == [], "use app.notifications.notify()/alert_division() instead:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    "import rq",
    "from rq import Queue",
    "from rq.job import Job",
    "from app.jobs import get_queue",
    "from app import jobs",
    "from app.notifications.outbox import enqueue_ids",
    "from app.notifications import jobs",
    "import app.notifications.worker",
    "def f(q):\n    q.enqueue('x', 1)",
    "def f(q):\n    q.enqueue_at(when, 'x')",
    "def f(app):\n    return app.jobs.get_queue()",
    "def f(outbox):\n    outbox.enqueue_ids([1])",
    "def f(q):\n    q.enqueue_call(func='app.notifications.jobs.deliver')",
    "TASK = 'app.notifications.jobs.deliver'",
])
def test_the_scan_catches_each_way_of_reaching_the_queue(source):
    assert queue_access(source) != []


@pytest.mark.parametrize("source", [
    "from app.notifications import Recipient, alert_division, notify",
    "from app.notifications.outbox import admins, resend",
    '"""Rows are enqueued after commit (a docstring may say so)."""',
])
def test_the_scan_lets_the_outbox_entry_points_through(source):
    assert queue_access(source) == []
