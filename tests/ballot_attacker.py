"""An attacker who reads a partyapp database (live, a copy of its WAL, a backup) and tries to tie
secret-ballot grades to voters. It knows the schema of every version of partyapp, has the site's
files (the ballot key folder), and tries everything it can think of:

- physical row order: SQLite rowid, PostgreSQL ctid, and plain SELECT order;
- PostgreSQL xmin: rows written by one transaction belong to one ballot, and a voter marker
  written in the same transaction names its voter;
- time columns on grade rows;
- the order of voter markers and of the audit trail's per-voter lines, aligned with the order
  of the grade rows;
- "a rater never grades themself": a block of grades lacking exactly one member names its rater;
- sealed ballots opened with any key file it can find.

`tie(...)` returns every guess {voter id: {item id: grade}} it could make; a guess counts only if
it is exactly that voter's ballot (see `correct`). The secrecy tests run it on the current schema
and expect nothing; run on the old schema (tests/test_ballots_secrecy.py) it ties every ballot.
"""
from __future__ import annotations

import sqlite3
import struct
import tempfile
from collections import defaultdict
from pathlib import Path

GRADE_WORDS = {"excellent", "good", "fair", "poor", "fairly_good", "average"}
VOTER_COLUMNS = ("voter_id", "rater_id")
ROUND_COLUMNS = ("round_id",)
TIME_TYPES = ("date", "time")


# ---- reading rows, in every order the storage offers ---------------------------------------
class Reader:
    """Rows of a table with their physical position (and xmin on PostgreSQL), from a DB-API
    connection to SQLite or PostgreSQL."""

    def __init__(self, connection, dialect: str):
        self.connection, self.dialect = connection, dialect

    def tables(self) -> list[str]:
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        else:
            sql = ("SELECT table_name FROM information_schema.tables "
                   "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        return sorted(row[0] for row in self._all(sql))

    def columns(self, table: str) -> list[tuple[str, str]]:
        if self.dialect == "sqlite":
            return [(row[1], (row[2] or "").lower()) for row in self._all(f"PRAGMA table_info('{table}')")]
        return [(name, kind.lower()) for name, kind in self._all(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_name = '{table}' ORDER BY ordinal_position")]

    def rows(self, table: str) -> list[dict]:
        """Every row, each with `_pos` (physical position) and `_xmin` (PostgreSQL)."""
        names = [name for name, _ in self.columns(table)]
        select = ", ".join(f'"{n}"' for n in names)
        if self.dialect == "sqlite":
            try:
                found = self._all(f'SELECT rowid, {select} FROM "{table}"')
            except sqlite3.OperationalError:          # WITHOUT ROWID: the order it is stored in
                found = [(i,) + tuple(r) for i, r in enumerate(self._all(f'SELECT {select} FROM "{table}"'))]
            return [dict(zip(names, row[1:]), _pos=row[0], _xmin=None) for row in found]
        found = self._all(f'SELECT ctid::text, xmin::text, {select} FROM "{table}"')
        return [dict(zip(names, row[2:]), _pos=_ctid(row[0]), _xmin=int(row[1])) for row in found]

    def _all(self, sql):
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            cursor.close()


def _ctid(text: str) -> tuple[int, int]:
    block, offset = text.strip("()").split(",")
    return int(block), int(offset)


# ---- the attack -----------------------------------------------------------------------------
def tie(reader: Reader, key_dir: Path | None = None) -> list[tuple[int, dict[int, str]]]:
    """Every (voter, ballot) guess the attacker can make from this database."""
    guesses: list[tuple[int, dict[int, str]]] = []
    markers = _voter_orders(reader)
    for table in reader.tables():
        layout = _grade_layout(reader, table)
        if layout is None:
            continue
        rows = reader.rows(table)
        for round_id, round_rows in _by_round(rows, layout).items():
            guesses += _direct(round_rows, layout)
            for ordered in _orders(round_rows, layout):
                guesses += _blocks_lacking_their_rater(ordered, layout)
                for voters in markers.get(round_id, []):
                    guesses += _aligned(ordered, layout, voters)
            guesses += _xmin_groups(round_rows, layout, reader, markers.get(round_id, []))
    guesses += _open_sealed(reader, key_dir, markers)
    return guesses


def correct(guesses, truth: dict[int, dict[int, str]]) -> set[int]:
    """Voters whose whole ballot the attacker named."""
    return {voter for voter, ballot in guesses if truth.get(voter) == ballot}


def _grade_layout(reader, table):
    """(item column, grade column, voter column | None, count column | None, time columns)
    when the table holds grades: a text column whose values are all grade words."""
    columns = reader.columns(table)
    names = [n for n, _ in columns]
    if not any(r in names for r in ROUND_COLUMNS):
        return None
    rows = reader.rows(table)
    text_columns = [n for n in names if n not in ("id", "round_id")]
    grade = next((n for n in text_columns if rows and all(
        isinstance(r[n], str) and r[n] in GRADE_WORDS for r in rows)), None)
    if grade is None:
        return None
    voter = next((n for n in VOTER_COLUMNS if n in names), None)
    count = "count" if "count" in names else None
    item = next(n for n in names if n.endswith("_id") and n not in ("round_id", voter))
    times = [n for n, kind in columns if any(t in kind for t in TIME_TYPES)]
    return dict(item=item, grade=grade, voter=voter, count=count, times=times)


def _by_round(rows, layout):
    by_round = defaultdict(list)
    for row in rows:
        copies = row[layout["count"]] if layout["count"] else 1
        by_round[row["round_id"]] += [row] * int(copies)   # counts: as many rows as ballots
    return by_round


def _direct(rows, layout):
    """A voter column: nothing to guess."""
    if not layout["voter"]:
        return []
    ballots = defaultdict(dict)
    for row in rows:
        ballots[row[layout["voter"]]][row[layout["item"]]] = row[layout["grade"]]
    return list(ballots.items())


def _orders(rows, layout):
    yield sorted(rows, key=lambda r: r["_pos"])
    yield list(rows)
    for column in layout["times"]:
        yield sorted(rows, key=lambda r: (str(r[column]), r["_pos"]))
    if rows and rows[0]["_xmin"] is not None:
        yield sorted(rows, key=lambda r: (r["_xmin"], r["_pos"]))


def _blocks_lacking_their_rater(ordered, layout):
    """Consecutive blocks of N-1 grades (N members graded): each lacks its rater."""
    items = {r[layout["item"]] for r in ordered}
    size = len(items) - 1
    guesses = []
    if size < 1:
        return guesses
    for start in range(0, len(ordered) - size + 1, size):
        block = ordered[start:start + size]
        ballot = {r[layout["item"]]: r[layout["grade"]] for r in block}
        missing = items - set(ballot)
        if len(ballot) == size and len(missing) == 1:
            guesses.append((missing.pop(), ballot))
    return guesses


def _aligned(ordered, layout, voters):
    """As many equal blocks as voters, in the voters' order."""
    if not voters or len(ordered) % len(voters):
        return []
    size = len(ordered) // len(voters)
    return [(voter, {r[layout["item"]]: r[layout["grade"]]
                     for r in ordered[i * size:(i + 1) * size]})
            for i, voter in enumerate(voters)]


def _xmin_groups(rows, layout, reader, voter_orders):
    """PostgreSQL: one transaction, one ballot — named by the missing member, or by a voter
    marker carrying the same xmin."""
    if not rows or rows[0]["_xmin"] is None:
        return []
    groups = defaultdict(dict)
    for row in rows:
        groups[row["_xmin"]][row[layout["item"]]] = row[layout["grade"]]
    items = {r[layout["item"]] for r in rows}
    marker_xmin = _marker_xmins(reader)
    guesses = []
    for xmin, ballot in groups.items():
        missing = items - set(ballot)
        if len(missing) == 1:
            guesses.append((missing.pop(), ballot))
        guesses += [(voter, ballot) for voter in marker_xmin.get(xmin, [])]
    return guesses


def _marker_xmins(reader):
    found = defaultdict(list)
    for table in reader.tables():
        names = [n for n, _ in reader.columns(table)]
        voter = next((n for n in VOTER_COLUMNS if n in names), None)
        if voter and "round_id" in names:
            for row in reader.rows(table):
                found[row["_xmin"]].append(row[voter])
    return found


def _voter_orders(reader) -> dict[int, list[list[int]]]:
    """round id -> candidate voting orders: marker tables in physical order, and the audit
    trail's per-voter lines about the round in time order."""
    orders = defaultdict(list)
    for table in reader.tables():
        names = [n for n, _ in reader.columns(table)]
        voter = next((n for n in VOTER_COLUMNS if n in names), None)
        if voter and "round_id" in names:
            by_round = defaultdict(list)
            for row in sorted(reader.rows(table), key=lambda r: r["_pos"]):
                if row[voter] not in by_round[row["round_id"]]:
                    by_round[row["round_id"]].append(row[voter])
            for round_id, voters in by_round.items():
                orders[round_id].append(voters)
    if "audit_entry" in reader.tables():
        by_round = defaultdict(list)
        for row in sorted(reader.rows("audit_entry"), key=lambda r: (str(r["at"]), r["id"])):
            if row["actor_id"] is not None and row["entity_id"] is not None:
                by_round[row["entity_id"]].append(row["actor_id"])
        for round_id, actors in by_round.items():
            orders[round_id].append(list(dict.fromkeys(actors)))
    return orders


def _open_sealed(reader, key_dir, markers):
    """Sealed ballots opened with any key found, then tied by position or xmin."""
    if "ballot_sealed" not in reader.tables() or key_dir is None:
        return []
    from partyapp.ballots import sealing

    keys = {}
    for path in Path(key_dir).glob("*.key"):
        keys[int(path.stem)] = path.read_bytes()
    guesses = []
    rows = sorted(reader.rows("ballot_sealed"), key=lambda r: r["_pos"])
    by_round = defaultdict(list)
    for row in rows:
        try:
            ballot = sealing.unseal(row["round_id"], keys[row["round_id"]], bytes(row["sealed"]))
        except Exception:  # noqa: BLE001 - no key, wrong key: the attacker learns nothing
            continue
        by_round[row["round_id"]].append((row, ballot))
    marker_xmin = _marker_xmins(reader)
    for round_id, opened in by_round.items():
        for voters in markers.get(round_id, []):
            if len(voters) == len(opened):
                guesses += [(v, ballot) for v, (_, ballot) in zip(voters, opened)]
        guesses += [(v, ballot) for row, ballot in opened
                    for v in marker_xmin.get(row["_xmin"], [])]
    return guesses


# ---- other places the data may be -----------------------------------------------------------
def sqlite_reader(path: Path) -> Reader:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return Reader(connection, "sqlite")


def wal_snapshots(db_file: Path):
    """The database as it stood at every commit still held in its WAL file (old page images
    included): yields a path to a copy for each."""
    wal = Path(f"{db_file}-wal")
    if not wal.exists() or wal.stat().st_size < 32:
        return
    data = wal.read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    base = bytearray(db_file.read_bytes())
    offset, pages = 32, {}
    with tempfile.TemporaryDirectory() as scratch:
        n = 0
        while offset + 24 + page_size <= len(data):
            header = data[offset:offset + 24]
            if header[8:16] != salts:
                break
            page_no, commit_size = struct.unpack(">II", header[:8])
            pages[page_no] = data[offset + 24:offset + 24 + page_size]
            offset += 24 + page_size
            if commit_size:
                n += 1
                image = bytearray(base)
                image.extend(b"\0" * max(0, commit_size * page_size - len(image)))
                for number, page in pages.items():
                    image[(number - 1) * page_size:number * page_size] = page
                del image[commit_size * page_size:]
                image[18:20] = b"\x01\x01"          # as a rollback-journal file: no WAL needed
                snapshot = Path(scratch) / f"snap{n}.db"
                snapshot.write_bytes(bytes(image))
                yield snapshot


def backup_copy(archive: Path, scratch: Path) -> Path:
    import tarfile

    with tarfile.open(archive, "r:gz") as packed:
        packed.extract("partyapp.db", scratch, filter="data")
    return scratch / "partyapp.db"


FRAGMENT, STRIDE = 32, 256


def contains_any(data: bytes, needles) -> list[bytes]:
    """The needles (sealed ballots) of which any 32-byte piece is in the data: storage cuts a
    long value into pages (SQLite overflow pages, PostgreSQL TOAST chunks), so a whole value is
    rarely in one piece, and a piece of random ciphertext is there only if the value was."""
    return [needle for needle in needles
            if any(needle[i:i + FRAGMENT] in data
                   for i in range(0, len(needle) - FRAGMENT + 1, STRIDE))]


def sqlite_files(db_file: Path) -> bytes:
    parts = [db_file.read_bytes()]
    for suffix in ("-wal", "-shm", "-journal"):
        extra = Path(f"{db_file}{suffix}")
        if extra.exists():
            parts.append(extra.read_bytes())
    return b"".join(parts)
