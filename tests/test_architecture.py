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
            "meetings", "opinions", "disclosures", "ratings", "town")
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
    "town": {"main", "calendar", "meetings", "opinions", "disclosures", "ratings", "notify"},
}
# Another feature is reached through its rules (services) or, to read figures, its tables.
FRONT_DOORS = {"services", "models"}
# Until meetings/ is split along its sections with services.py as its only front door, the
# town's compliance figures read meetings.ledger directly. Empty this when the split lands.
NOT_YET_THROUGH_THE_FRONT_DOOR = {("partyapp.town.compliance", "partyapp.meetings.ledger"),
                                  ("partyapp.town.services", "partyapp.meetings.ledger")}
# Modules that answer requests and so may read `request` (rules never do).
REQUEST_ROOMS = (".views", ".town_views", ".loader", ".layout")


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
        elif room not in FRONT_DOORS and (module, target) not in NOT_YET_THROUGH_THE_FRONT_DOOR:
            wrong.append(f"{module} → {target}: use {destination}.services, not its inner rooms")
    assert not wrong, "\n".join(wrong)


def test_branch_features_do_not_depend_on_the_town():
    wrong = [(m, t) for m, t in arrows() if feature_of(t) == "town" and feature_of(m) != "town"
             and m not in WIRING]
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
             if feature_of(module) and not module.endswith(REQUEST_ROOMS)
             and "request" in _names_imported_from(path, "flask")]
    assert not wrong, wrong


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
