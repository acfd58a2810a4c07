from __future__ import annotations

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
