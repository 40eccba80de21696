"""The backup file itself: opening it (gzip, stdin and stdout), and its lines as JSON."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from townhall.backup.errors import BackupError

FORMAT = "townhall-backup"
FORMAT_VERSION = 1
BATCH = 1000
STDIO = "-"


def dump(value: Any) -> str:
    # Sorted keys: a JSON column's object reads the same whichever database kept it.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_line(out: IO[str], value: Any) -> None:
    # The header and section lines keep their keys in the order written (tables in
    # insert order); rows are arrays, and only their JSON values are sorted.
    out.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")


@contextlib.contextmanager
def open_for_writing(path: str) -> Iterator[IO[str]]:
    """A text stream for a backup: stdout for `-`, else `path` (gzip when it ends in .gz).

    The file is written beside its final name, readable by its owner only, and moved
    into place once complete, so a failed export never leaves a file that looks whole.
    """
    if path == STDIO:
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    if not target.parent.is_dir():
        raise BackupError(f"There is no folder {target.parent} to write {target.name} in.")
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            if target.name.endswith(".gz"):
                with gzip.open(raw, "wt", encoding="utf-8") as stream:
                    yield stream
            else:
                with io.TextIOWrapper(raw, encoding="utf-8") as stream:
                    yield stream
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# --- reading ---------------------------------------------------------------------------


@contextlib.contextmanager
def open_for_reading(path: str) -> Iterator[IO[str]]:
    """A text stream over a backup: stdin for `-`, else the file; gzip is recognised by
    its first bytes whatever the name."""
    if path == STDIO:
        raw: IO[bytes] = sys.stdin.buffer
        close = False
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise BackupError(f"Cannot read {path}: {error.strerror}.") from None
        close = True
    try:
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
        compressed = buffered.peek(2)[:2] == b"\x1f\x8b"
        source: IO[bytes] = gzip.GzipFile(fileobj=buffered) if compressed else buffered  # type: ignore[assignment]
        yield io.TextIOWrapper(source, encoding="utf-8")
    finally:
        if close:
            raw.close()


class Lines:
    """The file's lines as JSON values, with the line number for messages."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.number = 0

    def next(self) -> Any:
        try:
            line = self.stream.readline()
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
            raise BackupError(
                f"The file is damaged or cut short (at line {self.number + 1}): {error}."
            ) from None
        self.number += 1
        if line == "":
            raise BackupError(
                f"The file ends early, at line {self.number}: it is cut short or not a "
                "complete Townhall backup."
            )
        try:
            return json.loads(line)
        except ValueError:
            raise BackupError(
                f"Line {self.number} of the file is not valid JSON: the file is damaged."
            ) from None

    def at_end(self) -> bool:
        try:
            rest = self.stream.read(1)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
            raise BackupError(f"The file is damaged after its last line: {error}.") from None
        return rest == ""
