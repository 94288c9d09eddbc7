"""The house plan (docs/ARCHITECTURE.md) checked against the real imports, read from the source
with `ast` — imports inside functions included. A forbidden arrow fails here, naming the
module and the line of thought it breaks."""
import ast
import re
from pathlib import Path

from tests.import_graph import ROOT, cycles, import_graph, module_files

GRAPH = import_graph()
FILES = module_files()

FEATURES = ("main", "auth", "org", "calendar", "notify", "public", "ballots", "notices",
            "meetings", "opinions", "disclosures", "ratings", "terms", "dues", "training",
            "rectification", "orglife", "town", "yearly")
# Time and tables: what every part stands on. They know no feature and no web plumbing.
FOUNDATION = {"partyapp.clock", "partyapp.config", "partyapp.extensions", "partyapp.clients",
              "partyapp.models", "partyapp.features"}
# Shared tools: the audit trail, the one permission function, phones, fields, photos, backup.
TOOLS = {"partyapp.audit", "partyapp.authz", "partyapp.phones", "partyapp.fields",
         "partyapp.photos", "partyapp.backup", "partyapp.xlsx"}
# Wiring: the factory, the CLI, the core demo and the clock process may reach every feature.
WIRING = {"partyapp", "partyapp.cli", "partyapp.demo", "partyapp.scheduler"}

# Feature -> the features it may import (through their front doors, see FRONT_DOORS).
ALLOWED = {
    "notify": set(),
    "calendar": set(),
    "auth": set(),
    "public": set(),
    "ballots": set(),
    "notices": set(),
    "main": {"calendar", "notify"},
    "org": {"auth", "notify"},
    "meetings": {"main", "calendar", "notify"},
    "opinions": {"main", "calendar", "notify", "public"},
    "disclosures": {"main", "meetings", "notify", "ballots"},
    "ratings": {"main", "meetings", "opinions", "disclosures", "notify", "ballots", "notices"},
    "terms": {"main", "notify"},
    "dues": {"main", "notify"},
    "training": {"main", "meetings", "notify"},
    "rectification": {"main", "notify", "meetings"},
    "orglife": {"main", "notify", "ballots", "notices"},
    "town": {"main", "calendar", "meetings", "opinions", "disclosures", "ratings", "terms",
             "dues", "training", "notify", "rectification"},
    "yearly": {"main", "meetings", "opinions", "dues", "notify", "notices", "rectification",
               "town"},
}
# Another feature is reached through its rules (services) or, to read figures, its tables —
# for every feature, no exceptions.
FRONT_DOORS = {"services", "models"}
# Modules that answer requests and so may read `request` (rules never do): a feature's
# views.py, its section views (views_<section>.py), the town's views, the web plumbing.
REQUEST_ROOMS = ("views", "town_views", "loader", "layout")
# Who may end a transaction: services commit; views, jobs and the CLI never call .commit().
NO_COMMIT_ROOMS = ("views", "town_views", "jobs", "cli")


def room_of(module: str) -> str:
    """The last part of a module's name with a section suffix dropped (views_door -> views)."""
    last = module.rsplit(".", 1)[-1]
    return "views" if last.startswith("views_") else last


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FEATURES else None


def arrows():
    for module, targets in sorted(GRAPH.items()):
        for target in sorted(targets):
            yield module, target


def test_every_feature_package_is_known_here():
    packages = {path.parent.name for path in (ROOT / "partyapp").glob("*/__init__.py")}
    assert packages - {"web"} == set(FEATURES) == set(ALLOWED)


def test_no_import_cycle():
    found = cycles(GRAPH)
    assert not found, "import cycles (imports inside functions count): " + "; ".join(
        " ↔ ".join(component) for component in found)


def test_time_knows_nothing_of_the_app():
    assert GRAPH["partyapp.clock"] == set(), "clock.py gets entered years from a registered source"


def test_foundation_and_tools_know_no_feature_and_no_web():
    wrong = [(m, t) for m, t in arrows() if m in FOUNDATION | TOOLS
             and (feature_of(t) or t.startswith("partyapp.web") or t in WIRING)]
    assert not wrong, f"tables, time and tools must not depend on features: {wrong}"


def test_web_plumbing_knows_no_feature():
    wrong = [(m, t) for m, t in arrows() if m.startswith("partyapp.web") and feature_of(t)]
    assert not wrong, wrong


def test_features_depend_only_on_allowed_features_through_their_front_door():
    wrong = []
    for module, target in arrows():
        source, destination = feature_of(module), feature_of(target)
        if source is None or destination is None or source == destination:
            continue
        room = target.split(".")[2] if target.count(".") >= 2 else "__init__"
        if destination not in ALLOWED[source]:
            wrong.append(f"{module} → {target}: {source} may not depend on {destination}")
        elif room not in FRONT_DOORS:
            wrong.append(f"{module} → {target}: use {destination}.services, not its inner rooms")
    assert not wrong, "\n".join(wrong)


# Features that work at the town's level and build on its figures (the yearly loop).
TOWN_LEVEL = {"town", "yearly"}


def test_branch_features_do_not_depend_on_the_town():
    wrong = [(m, t) for m, t in arrows() if feature_of(t) in TOWN_LEVEL
             and feature_of(m) not in TOWN_LEVEL and m not in WIRING]
    assert not wrong, wrong


def test_ratings_read_meetings_and_never_the_reverse():
    assert "ratings" not in ALLOWED["meetings"]
    assert not [(m, t) for m, t in arrows() if feature_of(m) == "meetings"
                and feature_of(t) == "ratings"]


def test_nobody_imports_the_scheduler_but_the_cli_and_only_it_imports_apscheduler():
    importers = {m for m, t in arrows() if t == "partyapp.scheduler"}
    assert importers <= {"partyapp.cli"}, importers
    apscheduler_users = {module for module, path in FILES.items()
                         if "apscheduler" in _third_party_imports(path)}
    assert apscheduler_users == {"partyapp.scheduler"}, apscheduler_users


def test_features_are_never_found_by_name():
    by_name = [module for module, path in FILES.items()
               if re.search(r"\bimport_module\(|__import__\(", path.read_text(encoding="utf-8"))]
    assert not by_name, f"features are declared (partyapp/__init__.py INSTALLED): {by_name}"


def test_every_feature_declares_itself_and_is_installed():
    import partyapp

    installed = [package.__name__.split(".")[1] for package in partyapp.INSTALLED]
    assert sorted(installed) == sorted(FEATURES)
    for package in partyapp.INSTALLED:
        assert callable(getattr(package, "feature", None)), package.__name__


def test_services_take_what_they_need_as_arguments():
    """No `request` inside rules: views pass what the rules need."""
    wrong = [module for module, path in FILES.items()
             if feature_of(module) and room_of(module) not in REQUEST_ROOMS
             and "request" in _reads_of_flask_request(path)]
    assert not wrong, wrong


def test_services_commit_and_views_jobs_and_the_cli_never_do():
    """One transaction rule (README, Layout): a `.commit(` call in a views, jobs or CLI module
    fails here; the service the view calls commits its own work."""
    wrong = [f"{module}:{line}" for module, path in FILES.items()
             if room_of(module) in NO_COMMIT_ROOMS for line in _commit_calls(path)]
    assert not wrong, "views, jobs and the CLI never commit (move it into a service): " + \
        ", ".join(wrong)


def test_the_commit_checker_sees_a_commit_in_a_view(tmp_path):
    """The rule above would pass vacuously if the checker missed calls: planted ones."""
    planted = tmp_path / "views_door.py"
    planted.write_text("from x import db\n\ndef f():\n    db.session.commit()\n"
                       "    session = db.session\n    session.commit()\n")
    assert room_of("partyapp.meetings.views_door") == "views"
    assert _commit_calls(planted) == [4, 6]
    assert _reads_of_flask_request(planted) == set()
    planted.write_text("import flask\n\ndef f():\n    return flask.request.args\n")
    assert _reads_of_flask_request(planted) == {"request"}


def test_templates_of_a_feature_show_no_other_features_templates_but_the_village_frame():
    """A page of one feature shows another's block through `page_sections`, never by
    including its template (the opinion page knew the town's 督办 template)."""
    include = re.compile(r"\{%-?\s*(?:include|extends|import|from)\s+[\"']([a-z_]+)/")
    wrong = []
    for folder in FEATURES:
        for path in sorted((ROOT / "templates" / folder).rglob("*.html")):
            for used in include.findall(path.read_text(encoding="utf-8")):
                if used not in (folder, "_partials", "public"):
                    wrong.append(f"{path.relative_to(ROOT)} uses {used}/")
    assert not wrong, wrong


def test_the_checker_sees_an_arrow_inside_a_function(tmp_path):
    """The rules above would pass vacuously if the graph missed imports: a planted one."""
    package = tmp_path / "partyapp"
    (package / "meetings").mkdir(parents=True)
    (package / "ratings").mkdir()
    for init in (package, package / "meetings", package / "ratings"):
        (init / "__init__.py").write_text("")
    (package / "ratings" / "services.py").write_text("X = 1\n")
    (package / "meetings" / "services.py").write_text(
        "def f():\n    from ..ratings.services import X\n    return X\n")
    graph = import_graph(tmp_path)
    assert graph["partyapp.meetings.services"] == {"partyapp.ratings.services"}


def _third_party_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _names_imported_from(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module == module for alias in node.names}


def _reads_of_flask_request(path: Path) -> set[str]:
    """`request` imported from flask, or read as `flask.request`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = _names_imported_from(path, "flask") & {"request"}
    found |= {"request" for node in ast.walk(tree) if isinstance(node, ast.Attribute)
              and node.attr == "request" and isinstance(node.value, ast.Name)
              and node.value.id == "flask"}
    return found


def _commit_calls(path: Path) -> list[int]:
    """Lines of every `<anything>.commit(...)` call."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Attribute) and node.func.attr == "commit")


MEETINGS_ROOMS = ("planning", "attendance", "door", "offline", "leave", "exemptions", "ledger", "compliance")


def test_meetings_rules_live_in_section_rooms_behind_services():
    """meetings/ is split along its sections; services.py offers every public rule of its rooms
    (the one front door) and the views are one module per section on the one blueprint."""
    import importlib

    from partyapp.meetings import services, views

    missing = []
    for room in MEETINGS_ROOMS:
        path = ROOT / "partyapp" / "meetings" / f"{room}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        public = [node.name for node in tree.body if isinstance(
            node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]
        module = importlib.import_module(f"partyapp.meetings.{room}")
        missing += [f"{room}.{name}" for name in public
                    if getattr(services, name, None) is not getattr(module, name)]
    assert not missing, f"not offered by meetings.services: {missing}"
    rooms = {path.stem for path in (ROOT / "partyapp" / "meetings").glob("views_*.py")}
    assert {"views_planning", "views_leave", "views_checkin", "views_door",
            "views_ledger"} <= rooms
    assert {m.__name__.rsplit(".", 1)[-1] for m in vars(views).values()
            if getattr(m, "__name__", "").startswith("partyapp.meetings.views_")} >= rooms - {
                "views_common"}
    for name in ("services", "views"):
        lines = (ROOT / "partyapp" / "meetings" / f"{name}.py").read_text().count("\n")
        assert lines < 200, f"meetings/{name}.py has {lines} lines: rules go in the rooms"


def test_the_objections_of_a_notice_are_listed_by_one_partial():
    """Both ratings pages that show a 公示's objections include one partial, which alone holds
    the answer form."""
    folder = ROOT / "templates" / "ratings"
    for page in ("round.html", "publication.html"):
        text = (folder / page).read_text(encoding="utf-8")
        assert '{% include "ratings/_objections.html" %}' in text, page
    answering = sorted(path.name for path in folder.glob("*.html")
                       if "ratings.answer" in path.read_text(encoding="utf-8"))
    assert answering == ["_objections.html"], answering
