"""The deployment kit in deploy/ stays true to the code: nginx accepts the site, the env example names every setting."""

from __future__ import annotations

import configparser
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.stack import DEPLOY, NGINX, nginx_available
from tests.video.live import ROOT

KIT = ROOT / "deploy"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for lexmeet.example.gov.cn (PEM paths)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lexmeet.example.gov.cn")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_production_site_passes_nginx_t(tmp_path):
    if not nginx_available():
        pytest.skip(f"nginx: {NGINX} is missing (apt-get install nginx)")
    cert, key = self_signed(tmp_path)
    site = (DEPLOY / "lexmeet.conf").read_text()
    for placeholder, real in {
        "/etc/ssl/lexmeet/fullchain.pem": cert,
        "/etc/ssl/lexmeet/privkey.pem": key,
        "/var/log/nginx/": f"{tmp_path}/",
        "include snippets/lexmeet-locations.conf;": f"include {DEPLOY / 'lexmeet-locations.conf'};",
    }.items():
        assert placeholder in site, placeholder
        site = site.replace(placeholder, str(real))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n"
        f" include {DEPLOY / 'lexmeet-http.conf'};\n include {tmp_path / 'site.conf'};\n}}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_env_example_names_every_setting_the_server_reads():
    read = set(
        re.findall(r'(?:environ\.get|env_bool|env_list)\("([A-Z_]+)"', (ROOT / "config/settings.py").read_text())
    )
    example = (KIT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    development_only = {"SQLITE_PATH", "EMAIL_FILE_PATH"}
    assert read - development_only - named == set()
    assert named - read == set()
    assert "DEBUG=0" in example.splitlines()


def test_units_run_the_commands_and_timers_start_them():
    def unit(name):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(KIT / "systemd" / name)
        return parser

    daphne = unit("lexmeet-daphne@.service")["Service"]
    assert daphne["ExecStart"].split()[-1] == "config.asgi:application"
    assert "--proxy-headers" in daphne["ExecStart"] and "-p %i" in daphne["ExecStart"]
    commands = {p.stem for p in ROOT.glob("*/management/commands/*.py")}
    for job in ("reminders", "purge"):
        service = unit(f"lexmeet-{job}.service")["Service"]
        assert service["Type"] == "oneshot"
        assert service["ExecStart"].split()[-1] in commands
        assert unit(f"lexmeet-{job}.timer")["Timer"]["OnCalendar"]


def test_coturn_uses_the_shared_secret_from_the_environment_only():
    conf = (KIT / "coturn" / "turnserver.conf").read_text()
    lines = [line.strip() for line in conf.splitlines() if line.strip() and not line.startswith("#")]
    assert "use-auth-secret" in lines
    assert not any(line.startswith("static-auth-secret") for line in lines)
    drop_in = (KIT / "coturn" / "coturn-secret.conf").read_text()
    assert "--static-auth-secret=${TURN_SECRET}" in drop_in


@pytest.mark.redis
def test_redis_channel_layer_socket_outlasts_the_blocking_receive():
    """channels_redis blocks 5 s in BZPOPMIN; a redis-py read timeout of 5 s (its default in redis-py 8) killed idle consumers."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer.hosts[0]["socket_timeout"] > layer.brpop_timeout + 10


def test_access_logs_never_carry_feed_invite_or_reset_tokens(tmp_path):
    """nginx logs capability paths with the token replaced; Daphne's own access log is off in the unit."""
    unit = (KIT / "systemd" / "lexmeet-daphne@.service").read_text()
    assert "--access-log /dev/null" in unit and "--access-log -" not in unit
    assert "access_log /var/log/nginx/lexmeet.access.log lexmeet;" in (DEPLOY / "lexmeet.conf").read_text()
    if not nginx_available():
        pytest.skip(f"nginx: {NGINX} is missing (apt-get install nginx)")
    import httpx

    from tests.video.live import free_port

    port = free_port()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include {DEPLOY / 'lexmeet-http.conf'};\n"
        f" server {{ listen 127.0.0.1:{port}; access_log {tmp_path}/access.log lexmeet;\n"
        f"   location / {{ return 200 'ok'; }} }}\n}}\n"
    )
    command = [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")]
    subprocess.run(command, check=True, timeout=30)
    try:
        for path in (
            "/calendar/FEEDSECRET123.ics",
            "/rooms/ROOMID42/join/INVITESECRET456/",
            "/accounts/reset/MQ/RESETSECRET789/",
            "/providers/7/?tz=America/New_York",
        ):
            assert httpx.get(f"http://127.0.0.1:{port}{path}").status_code == 200
    finally:
        subprocess.run([*command, "-s", "stop"], timeout=30)
    log = (tmp_path / "access.log").read_text()
    for secret in ("FEEDSECRET123", "ROOMID42", "INVITESECRET456", "RESETSECRET789", "America/New_York"):
        assert secret not in log
    assert [line.split('"')[1] for line in log.splitlines()] == [
        "GET /calendar/[redacted].ics HTTP/1.1",
        "GET /rooms/[redacted]/join/[redacted]/ HTTP/1.1",
        "GET /accounts/reset/[redacted]/ HTTP/1.1",
        "GET /providers/7/ HTTP/1.1",
    ]
