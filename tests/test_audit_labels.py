"""The audit trail speaks Chinese: every action the code records has a plain label, so the page
never shows a code such as rating.ballot_cast."""
import ast
from pathlib import Path

from partyapp.features import registry
from partyapp.org.services import ACTION_LABELS as ORG_LABELS

PACKAGE = Path(__file__).resolve().parent.parent / "partyapp"


def _recorded_actions() -> set[str]:
    """The action of every audit.record(actor, "action", ...) call in the package."""
    actions = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(
                func.value, ast.Name) else ""
            if name == "record" and owner in ("audit", "") and isinstance(
                    node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                actions.add(node.args[1].value)
    return actions


def test_every_recorded_action_has_a_chinese_label(app):
    with app.app_context():
        labels = {**ORG_LABELS, **registry().audit_labels()}  # what the audit page reads
    actions = _recorded_actions()
    assert len(actions) > 40  # the scan finds the calls (it would pass vacuously otherwise)
    missing = sorted(a for a in actions if a not in labels)
    assert missing == []
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in labels[a]) for a in actions)
