from __future__ import annotations

from pathlib import Path

from tipsheet.flows.digests import prefect_server_configured


def test_a_server_is_configured_by_the_environment_or_the_active_profile(tmp_path):
    home = tmp_path / "prefect"
    home.mkdir()
    env = {"PREFECT_HOME": str(home)}
    assert not prefect_server_configured(env)  # no profiles file: ephemeral
    assert prefect_server_configured({**env, "PREFECT_API_URL": "http://127.0.0.1:4200/api"})
    (home / "profiles.toml").write_text(
        'active = "local"\n[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n'
        "[profiles.ephemeral]\n"
    )
    assert prefect_server_configured(env)
    assert not prefect_server_configured({**env, "PREFECT_PROFILE": "ephemeral"})
    (home / "profiles.toml").write_text("not toml [")
    assert not prefect_server_configured(env)


def test_digest_command_starts_no_prefect(tmp_path):
    """`tipsheet digest` without a server re-renders in-process: Prefect is never imported."""
    import subprocess
    import sys

    code = (
        "import sys; from flows import digests; import tipsheet.cli; "
        "print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_rerender_loads_neither_prefect_nor_pyarrow(demo_copy):
    """Re-rendering reads and writes a few rows: the night's bulk tools (Prefect, pyarrow
    for Arrow writes, 0.15 s) stay unloaded, and the digests are written."""
    import subprocess
    import sys

    code = (
        "import sys; from datetime import date; from tipsheet.core.config import load_config; "
        "from tipsheet.flows.digests import rerender; "
        f"paths = rerender(load_config({str(demo_copy / 'config.yaml')!r}), date(2026, 11, 20)); "
        "print(len(paths), 'prefect' in sys.modules, 'pyarrow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3", "False", "False"]  # a digest a manager


def test_a_rerender_embeds_nothing_the_night_stored(demo_copy, monkeypatch):
    """Profiles and judged items have stored embeddings: re-rendering loads no model and
    gives what embedding them afresh gives. An edited profile is embedded again, once."""
    import re
    from datetime import date

    import duckdb

    from tipsheet.core import embed
    from tipsheet.core.config import load_config
    from tipsheet.flows.digests import rerender
    from tipsheet.storage import db, writes

    cfg = load_config(demo_copy / "config.yaml")
    day = date(2026, 11, 20)
    path = demo_copy / "digests" / "dana-kim" / "2026-11-20.md"
    item = re.findall(r"Item `([0-9a-f]{8})`", path.read_text())[1]
    con = db.connect(cfg.settings.database)
    try:
        (article,) = con.execute(
            "SELECT article_id FROM digest_items WHERE item_id = ?", [item]
        ).fetchone()
        writes.save_feedback(con, "dana-kim", article, True, None)
        stored = con.execute("SELECT count(*) FROM profile_vectors").fetchone()[0]
        con.execute("DELETE FROM profile_vectors")
    finally:
        con.close()
    assert stored == len(cfg.managers)  # the night stored them
    fresh = {p: Path(p).read_text() for p in rerender(cfg, day)}  # embedded again, and stored

    def no_model():
        raise AssertionError("the embedding model was loaded")

    monkeypatch.setattr(embed, "_model", no_model)
    assert {p: Path(p).read_text() for p in rerender(cfg, day)} == fresh

    edited = cfg.model_copy(deep=True)
    edited.managers[0].interests.append("cold chain")
    monkeypatch.undo()
    rerender(edited, day)
    rerender(edited, day)
    with duckdb.connect(cfg.settings.database, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM profile_vectors").fetchone()[0] == stored + 1
