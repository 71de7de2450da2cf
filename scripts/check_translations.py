"""Check that the Simplified Chinese catalogue is complete and current.

Run from anywhere (normally ``.venv/bin/python scripts/check_translations.py``, which is what
``make check-messages`` does). Checks ``locale/zh_Hans/LC_MESSAGES/django.po``:

(a) current with the source: ``manage.py makemessages`` (the flags of IGNORE_PATTERNS/MAKEMESSAGES_ARGS) runs on a
    throw-away copy of the project in a temporary directory, never in the working tree (makemessages
    rewrites the .po and writes ``*.html.py`` scratch files next to the templates). The set of entries
    (msgctxt, msgid, msgid_plural) it produces must equal the committed one: strings in the source but
    not in the catalogue are reported as missing, entries no longer in the source as stale;
(b) fully translated: ``msgattrib --untranslated`` and ``msgattrib --only-fuzzy`` list no entries, the
    header is not fuzzy, and ``msgfmt --check`` accepts the file (placeholders, plural forms, header);
(c) ``django.mo`` is current: the .po compiled exactly as ``manage.py compilemessages`` does it
    (``msgfmt --check-format -o``) must give the committed .mo byte for byte. If only the byte layout
    differs (another gettext version) but every message is the same, the check passes and says so.

The working tree is never written to. Exit status 0 and one summary line when everything is in order;
otherwise the problems, a summary line, and exit status 1.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
CATALOGUE = Path("locale") / LOCALE / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
SETTINGS = "suzhou_childcare.settings.development"
# The documented catalogue command: makemessages -l zh_Hans --no-obsolete --no-location -i ... (see `make messages`).
IGNORE_PATTERNS = (".venv/*", "node_modules/*", "tests/*")
MAKEMESSAGES_ARGS = ("makemessages", "-l", LOCALE, "--no-obsolete", "--no-location")
EXPECTED_PLURAL_FORMS = "nplurals=1; plural=0;"
TIMEOUT = 600
MAX_LISTED = 50

Key = tuple[str | None, str, str | None]  # (msgctxt, msgid, msgid_plural)


class CheckError(Exception):
    """A problem that stops the check itself from running (missing tool, failed command)."""


# --- PO parsing -------------------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"'}
_ESCAPE_RE = re.compile(r"\\([ntrabfv\\\"]|[0-7]{1,3}|x[0-9a-fA-F]+)")
_KEYWORD_RE = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _ESCAPES:
            return _ESCAPES[code]
        if code.startswith("x"):
            return chr(int(code[1:], 16))
        return chr(int(code, 8))

    return _ESCAPE_RE.sub(replace, text)


def _string_literal(text: str, where: str) -> str:
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise CheckError(f"{where}: cannot read {text!r} as a PO string")
    return _unescape(text[1:-1])


@dataclass
class Entry:
    fields: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> Key:
        return (self.fields.get("msgctxt"), self.fields.get("msgid", ""), self.fields.get("msgid_plural"))

    @property
    def is_header(self) -> bool:
        return self.key == (None, "", None)


def parse_po(text: str, name: str) -> list[Entry]:
    """The entries of a PO file (the header included, obsolete ``#~`` entries flagged as such)."""
    entries: list[Entry] = []
    current = Entry()
    last: str | None = None  # the keyword a continuation line belongs to

    def finish() -> None:
        nonlocal current, last
        if "msgid" in current.fields:
            entries.append(current)
        current, last = Entry(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # previous msgid of an obsolete entry
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if any(k.startswith("msgstr") for k in current.fields):
                finish()
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        match = _KEYWORD_RE.match(line)
        if match:
            keyword, literal = match.groups()
            starts_new = keyword in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in current.fields)
            if starts_new or (keyword == "msgid" and "msgid" in current.fields):
                finish()
            current.fields[keyword] = _string_literal(literal, where)
            current.obsolete = current.obsolete or obsolete
            last = keyword
        elif line.startswith('"') and last is not None:
            current.fields[last] += _string_literal(line, where)
        else:
            raise CheckError(f"{where}: unexpected line {raw!r}")
    finish()
    return entries


def header_fields(entries: Iterable[Entry]) -> dict[str, str]:
    for entry in entries:
        if entry.is_header and not entry.obsolete:
            pairs = (line.partition(":") for line in entry.fields.get("msgstr", "").splitlines())
            return {name.strip(): value.strip() for name, sep, value in pairs if sep}
    return {}


def describe(key: Key) -> str:
    context, msgid, plural = key
    text = repr(msgid)
    if plural is not None:
        text += f" / plural {plural!r}"
    if context is not None:
        text += f" (context {context!r})"
    return text


# --- MO parsing (only to tell a byte-layout difference from a content difference) -------------------------


def parse_mo(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 20:
        raise ValueError("too short for a .mo file")
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else None
    if order is None:
        raise ValueError("not a .mo file")
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    messages = {}
    for index in range(count):
        o_len, o_off = struct.unpack(order + "2I", data[originals + 8 * index : originals + 8 * index + 8])
        t_len, t_off = struct.unpack(order + "2I", data[translations + 8 * index : translations + 8 * index + 8])
        messages[data[o_off : o_off + o_len]] = data[t_off : t_off + t_len]
    return messages


# --- helpers -----------------------------------------------------------------------------------------------


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CheckError(f"`{name}` was not found; install GNU gettext (apt-get install gettext)")
    return path


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argument lists, no shell
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise CheckError(f"`{' '.join(args)}` did not finish within {TIMEOUT} s") from exc


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stderr or result.stdout).strip()


def listed(lines: list[str]) -> list[str]:
    shown = [f"    {line}" for line in lines[:MAX_LISTED]]
    if len(lines) > MAX_LISTED:
        shown.append(f"    … and {len(lines) - MAX_LISTED} more")
    return shown


def _copy_ignore(patterns: list[str]):
    """What makemessages would skip anyway (dot entries, the -i patterns, caches), plus local databases."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = Path(directory, name)
            relative = os.path.normcase(os.path.relpath(path, ROOT))
            if (
                name.startswith(".")
                or name == "__pycache__"
                or fnmatchcase(name, "*.pyc")
                or fnmatchcase(name, "*.sqlite3*")
                or (path.is_dir() and any(fnmatchcase(name, p) or fnmatchcase(relative, p) for p in patterns))
            ):
                skipped.add(name)
        return skipped

    return ignore


def _normalised_patterns() -> list[str]:
    # As django.core.management.utils.normalize_path_patterns: "dir/*" also matches the directory itself.
    return [os.path.normcase(p[:-2] if p.endswith(("/*", os.sep + "*")) else p) for p in IGNORE_PATTERNS]


# --- the three checks --------------------------------------------------------------------------------------


def check_current(committed: list[Entry], scratch: Path, problems: list[str]) -> int:
    """(a) Run makemessages on a copy of the project; compare its entries with the committed ones."""
    for name in ("xgettext", "msgmerge", "msguniq"):
        tool(name)
    project = scratch / "project"
    shutil.copytree(ROOT, project, symlinks=True, ignore=_copy_ignore(_normalised_patterns()))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)  # the copy's own packages must be the ones imported
    args = [sys.executable, "manage.py", *MAKEMESSAGES_ARGS]
    for pattern in IGNORE_PATTERNS:
        args += ["-i", pattern]
    result = run(args, cwd=project, env=env)
    if result.returncode != 0:
        raise CheckError(f"makemessages failed on the copy of the project:\n{output_of(result)}")
    regenerated_path = project / CATALOGUE
    if not regenerated_path.exists():
        raise CheckError(f"makemessages did not write {CATALOGUE} in the copy of the project")
    regenerated = parse_po(regenerated_path.read_text(encoding="utf-8"), f"regenerated {CATALOGUE}")

    source_keys = {e.key for e in regenerated if not e.obsolete and not e.is_header}
    committed_keys = {e.key for e in committed if not e.obsolete and not e.is_header}
    missing = sorted(source_keys - committed_keys, key=describe)
    stale = sorted(committed_keys - source_keys, key=describe)
    obsolete = [e.key for e in committed if e.obsolete]
    if missing:
        problems.append(f"{len(missing)} string(s) in the source are missing from {CATALOGUE}:")
        problems += listed([describe(k) for k in missing])
    if stale:
        problems.append(f"{len(stale)} entry(ies) in {CATALOGUE} are no longer in the source:")
        problems += listed([describe(k) for k in stale])
    if obsolete:
        problems.append(f"{CATALOGUE} keeps {len(obsolete)} obsolete (#~) entry(ies); `make messages` drops them.")
    if missing or stale or obsolete:
        problems.append("  Fix: run `make messages`, translate the new entries, then `make messages` again.")
    return len(source_keys)


def check_translated(po_path: Path, committed: list[Entry], scratch: Path, problems: list[str]) -> None:
    """(b) No untranslated or fuzzy entries; msgfmt --check accepts the file."""
    msgattrib = tool("msgattrib")
    for option, label in (("--untranslated", "untranslated"), ("--only-fuzzy", "fuzzy")):
        result = run([msgattrib, option, "--no-wrap", str(po_path)], cwd=scratch)
        if result.returncode != 0:
            raise CheckError(f"`msgattrib {option}` failed:\n{output_of(result)}")
        found = [e.key for e in parse_po(result.stdout, f"msgattrib {option}") if not e.is_header and not e.obsolete]
        if found:
            problems.append(f"{len(found)} {label} entry(ies) in {CATALOGUE}:")
            problems += listed([describe(k) for k in found])
    for entry in committed:
        if entry.is_header and not entry.obsolete and "fuzzy" in entry.flags:
            problems.append(f"The header of {CATALOGUE} is still marked fuzzy.")
    headers = header_fields(committed)
    if headers.get("Plural-Forms") != EXPECTED_PLURAL_FORMS:
        problems.append(
            f"{CATALOGUE}: Plural-Forms should be {EXPECTED_PLURAL_FORMS!r}, not {headers.get('Plural-Forms')!r}."
        )
    if "charset=UTF-8" not in headers.get("Content-Type", ""):
        problems.append(f"{CATALOGUE}: Content-Type should declare charset=UTF-8.")
    result = run([tool("msgfmt"), "--check", "-o", str(scratch / "check.mo"), str(po_path)], cwd=scratch)
    if result.returncode != 0:
        problems.append(f"`msgfmt --check` rejects {CATALOGUE}:")
        problems += listed(output_of(result).replace(str(po_path), str(CATALOGUE)).splitlines())


def check_compiled(po_path: Path, scratch: Path, problems: list[str], committed_bytes: bytes | None) -> str:
    """(c) The committed .mo is what compilemessages would produce now."""
    fresh = scratch / "django.mo"
    # Exactly the command of django.core.management.commands.compilemessages.
    result = run([tool("msgfmt"), "--check-format", "-o", str(fresh), str(po_path)], cwd=scratch)
    if result.returncode != 0:  # the errors are listed by the `msgfmt --check` of check_translated
        problems.append(f"{CATALOGUE} does not compile, so {COMPILED.name} cannot be compared.")
        return ""
    if committed_bytes is None:
        problems.append(f"{COMPILED} is missing. Fix: run `make messages` (or compilemessages) and commit it.")
        return ""
    fresh_bytes = fresh.read_bytes()
    if fresh_bytes == committed_bytes:
        return ""
    try:
        same_content = parse_mo(fresh_bytes) == parse_mo(committed_bytes)
    except ValueError:
        same_content = False
    if same_content:
        return f" ({COMPILED.name} has the same messages but a different byte layout: another msgfmt version?)"
    problems.append(
        f"{COMPILED} is out of date with {CATALOGUE.name}. "
        f"Fix: run `.venv/bin/python manage.py compilemessages -l {LOCALE}` and commit {COMPILED}."
    )
    return ""


def main() -> int:
    po_path = ROOT / CATALOGUE
    if not po_path.exists():
        print(f"check_translations: FAILED: {CATALOGUE} does not exist; run `make messages`.", file=sys.stderr)
        return 1
    before = po_path.read_bytes()
    mo_before = (ROOT / COMPILED).read_bytes() if (ROOT / COMPILED).exists() else None
    problems: list[str] = []
    note = ""
    entries = 0
    try:
        with tempfile.TemporaryDirectory(prefix="check_translations-") as tmp:
            scratch = Path(tmp)
            # Everything below reads this snapshot, so a concurrent edit cannot mix two versions of the file.
            po_copy = scratch / "committed.po"
            po_copy.write_bytes(before)
            committed = parse_po(before.decode("utf-8"), str(CATALOGUE))
            entries = check_current(committed, scratch, problems)
            check_translated(po_copy, committed, scratch, problems)
            note = check_compiled(po_copy, scratch, problems, mo_before)
    except CheckError as exc:
        problems.append(f"The check could not run: {exc}")
    except UnicodeDecodeError as exc:
        problems.append(f"{CATALOGUE} is not valid UTF-8: {exc}")
    # The checks only write to the temporary directory. A change seen here was made by someone else while the
    # check ran: report it rather than touch the file.
    if not po_path.exists() or po_path.read_bytes() != before:
        problems.append(f"{CATALOGUE} changed while the check ran; run the check again.")

    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"check_translations: FAILED: {CATALOGUE} needs attention (see above).", file=sys.stderr)
        return 1
    print(
        f"check_translations: OK: {CATALOGUE} is current with the source, all {entries} entries translated, "
        f"{COMPILED.name} up to date{note}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
