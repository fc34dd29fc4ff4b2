"""The deploy files: ``python -m deploy.render`` fills every placeholder or refuses, nginx accepts the result."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy.local import read_env_file, read_procfile
from deploy.render import placeholders

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "levels.conf.template"
MAIN = ROOT / "deploy" / "nginx" / "nginx.conf.template"
VALUES = ["LISTEN=127.0.0.1:8443", "PUBLIC_HOST=levels.example.com", "TLS_CERT=/etc/ssl/levels.crt",
          "TLS_KEY=/etc/ssl/levels.key", "UPSTREAM_SERVERS=127.0.0.1:8501, 127.0.0.1:8502",
          "PUBLIC_ORIGIN=https://levels.example.com:8443"]


def render(template: Path, *values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "deploy.render", str(template), *values], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_site_template_is_filled_from_the_command_line() -> None:
    assert placeholders(SITE.read_text()) == {"LISTEN", "PUBLIC_HOST", "PUBLIC_ORIGIN", "TLS_CERT", "TLS_KEY",
                                              "UPSTREAM_SERVERS"}
    done = render(SITE, *VALUES)
    assert done.returncode == 0, done.stderr
    assert "{{" not in done.stdout
    assert "    server 127.0.0.1:8501;\n    server 127.0.0.1:8502;\n" in done.stdout
    assert "server_name levels.example.com;" in done.stdout
    assert "listen 127.0.0.1:8443 ssl default_server;" in done.stdout
    assert "proxy_set_header Upgrade $http_upgrade;" in done.stdout  # nginx's variables pass through


def test_a_missing_value_is_refused() -> None:
    done = render(SITE, *VALUES[:2])
    assert done.returncode == 2 and done.stdout == ""
    assert "missing values for: PUBLIC_ORIGIN, TLS_CERT, TLS_KEY, UPSTREAM_SERVERS" in done.stderr


def test_the_procfile_and_env_example_name_what_the_scripts_need() -> None:
    assert read_procfile() == {"web": "bash deploy/web.sh", "worker": "bash deploy/worker.sh"}
    env = read_env_file(ROOT / "deploy" / "levels.env.example")
    assert env["LEVELS_REFRESH"] == "worker" and env["LEVELS_DATABASE_URL"].startswith("postgresql://")
    for script in ("web.sh", "worker.sh"):
        text = (ROOT / "deploy" / script).read_text()
        required = {line.split("${", 1)[1].split(":?", 1)[0] for line in text.splitlines() if ":?" in line}
        assert required - {"PORT"} <= set(env), (script, required - set(env))
        assert subprocess.run(["bash", "-n", str(ROOT / "deploy" / script)], timeout=30).returncode == 0


def test_nginx_accepts_the_rendered_files(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        from tests.support.ci import skip_or_fail

        skip_or_fail("nginx is not installed (Debian: apt-get install nginx)")
    from deploy.local import self_signed_certificate

    cert, key = self_signed_certificate(tmp_path, "levels.example.com")
    site = tmp_path / "levels.conf"
    site.write_text(render(SITE, *VALUES[:2], f"TLS_CERT={cert}", f"TLS_KEY={key}", *VALUES[4:]).stdout)
    main = tmp_path / "nginx.conf"
    main.write_text(render(MAIN, f"PREFIX={tmp_path}", f"SITE={site}").stdout)
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main), "-e", str(tmp_path / "error.log")],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert "syntax is ok" in check.stderr


@pytest.mark.parametrize("template", [SITE, MAIN])
def test_templates_hold_only_ports_paths_and_names(template: Path) -> None:
    assert placeholders(template.read_text()) <= {"LISTEN", "PUBLIC_HOST", "PUBLIC_ORIGIN", "TLS_CERT", "TLS_KEY",
                                                  "UPSTREAM_SERVERS", "PREFIX", "SITE"}
