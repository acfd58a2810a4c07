"""A full disk mid-write: a one-line error, and nothing already stored is lost.

The disk fills up for real: the writer runs in a process whose file-size limit
(RLIMIT_FSIZE) sits just above the database's size, as a quota would.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from tests.test_storage import CONFIG, _article, _result
from tipsheet.core.config import parse_config
from tipsheet.storage import db, writes

ROOT = Path(__file__).resolve().parents[1]

WRITER = textwrap.dedent(
    """
    import resource, signal, sys
    from datetime import date
    sys.path.insert(0, sys.argv[2])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
    from tipsheet.storage import db, writes
    from tipsheet.core.config import parse_config
    from tipsheet.core.errors import TipsheetError
    from tests.test_storage import CONFIG, _article, _result
    con = db.connect(sys.argv[1])
    size = __import__("os").path.getsize(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 64 * 1024, size + 64 * 1024))
    source = parse_config(CONFIG).sources()[0]
    big = [_article(100 + i, source.id) for i in range(40)]
    for a in big:
        a.text = a.text * 20000  # about 1.4 MB each: far past the limit
    try:
        writes.save_source_results(con, 2, [_result(source, big)], date(2026, 11, 3))
        con.execute("CHECKPOINT")
    except TipsheetError as exc:
        print("ERROR", exc)
        sys.exit(3)
    print("stored")
    """
)


def test_full_disk_gives_one_line_and_loses_nothing(tmp_path):
    path = tmp_path / "t.duckdb"
    con = db.connect(path)
    cfg = parse_config(CONFIG)
    writes.sync_config(con, cfg)
    source = cfg.sources()[0]
    from datetime import date

    writes.save_source_results(
        con, 1, [_result(source, [_article(i) for i in range(5)])], date(2026, 11, 2)
    )
    con.execute("CHECKPOINT")
    con.close()

    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, (done.stdout, done.stderr[-2000:])
    lines = [line for line in done.stdout.splitlines() if line.startswith("ERROR")]
    assert len(lines) == 1 and "database write failed" in lines[0]

    after = duckdb.connect(str(path))
    try:
        assert after.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    finally:
        after.close()
