"""Configuration: RTR_* keys from the environment, defaults, and start-up errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from widget import ReadyToRebuild, create_app, get_state
from widget.config import DEFAULTS, ConfigError


def test_every_default_is_applied(make_app) -> None:
    app = make_app()
    for key in DEFAULTS:
        assert key in app.config


def test_environment_variables_are_read_and_json_parsed(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RTR_RETRY_SCHEDULE", "[0, 1, 2]")
    monkeypatch.setenv("RTR_MAIL_FROM", "Practice <hello@example.com>")
    monkeypatch.setenv("RTR_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("RTR_WORKER", "off")
    monkeypatch.setenv("RTR_PUBLIC_URL", "https://widgets.example.com")
    with pytest.warns(UserWarning, match="memory://"):
        app = create_app({"RTR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, instance_path=str(tmp_path))
    assert app.config["RTR_RETRY_SCHEDULE"] == [0.0, 1.0, 2.0]
    assert app.config["RTR_MAIL_FROM"] == "Practice <hello@example.com>"
    assert app.config["RTR_SECRET_KEY"] == "from-the-environment"


def test_config_argument_beats_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RTR_SMTP_SECURITY", "ssl")
    app = create_app({"TESTING": True, "RTR_SMTP_SECURITY": "none", "RTR_WORKER": "off",
                      "RTR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, instance_path=str(tmp_path))
    assert app.config["RTR_SMTP_SECURITY"] == "none"


def test_missing_secret_key_outside_testing_names_the_key(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RTR_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="RTR_SECRET_KEY"):
        create_app({"RTR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, instance_path=str(tmp_path))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("RTR_SMTP_SECURITY", "tls"),
        ("RTR_WORKER", "process"),
        ("RTR_RETRY_SCHEDULE", "soon"),
        ("RTR_RETRY_SCHEDULE", []),
        ("RTR_RETRY_SCHEDULE", [0, -5]),
        ("RTR_SMTP_PORT", "twenty-five"),
        ("RTR_PROXY_COUNT", -1),
        ("RTR_PUBLIC_URL", "widgets.example.com"),
        ("RTR_PUBLIC_URL", "https://[widgets.example.com"),
        ("RTR_PUBLIC_URL", "https://widgets.example.com:port"),
        ("RTR_WEBHOOK_ALLOW_PRIVATE", "maybe"),
        # Flask-Limiter skips a limit it cannot parse, so a typo would switch the flood defence off.
        ("RTR_SUBMIT_LIMIT", "5 a minute"),
        ("RTR_WIDGET_SUBMIT_LIMIT", "lots"),
        ("RTR_ADMIN_LOGIN_LIMIT", ""),
        ("RTR_ADMIN_LOCK_AFTER", "five"),
        ("RTR_ADMIN_LOCK_MAX_SECONDS", -1),
        ("RTR_FORM_MAX_AGE", 2),  # not longer than the 3 s time trap: every person would be refused
        ("RTR_DATABASE_URL", "not a url"),
        ("RTR_DATABASE_URL", "nosuchdb://host/db"),
        ("RTR_RATELIMIT_STORAGE_URI", "memcache-typo://localhost:11211"),
        # A lease must outlast the longest send with room to store its result, or sends overlap.
        ("RTR_DELIVERY_LEASE", 20),
        ("RTR_WEBHOOK_TIMEOUT", 40),
        ("RTR_WEBHOOK_TIMEOUT", 0),
        ("RTR_ENDPOINT_CONCURRENCY", 0),
    ],
)
def test_wrong_values_fail_at_start_up_naming_the_key(make_app, key: str, value: object) -> None:
    config = {key: value, "RTR_MIN_FORM_SECONDS": 3} if key == "RTR_FORM_MAX_AGE" else {key: value}
    with pytest.raises(ConfigError, match=key):
        make_app(**config)


def test_a_lease_shorter_than_two_sends_names_both_keys(make_app) -> None:
    assert make_app(RTR_DELIVERY_LEASE=12, RTR_WEBHOOK_TIMEOUT=6).config["RTR_DELIVERY_LEASE"] == 12.0
    with pytest.raises(ConfigError) as refused:
        make_app(RTR_DELIVERY_LEASE=10, RTR_WEBHOOK_TIMEOUT=6)
    message = str(refused.value)
    assert "RTR_DELIVERY_LEASE=10.0" in message and "RTR_WEBHOOK_TIMEOUT=6.0" in message


def test_text_keys_from_the_environment_stay_text(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RTR_SECRET_KEY", "20261128")
    monkeypatch.setenv("RTR_SMTP_PASSWORD", "123456")
    monkeypatch.setenv("RTR_SMTP_PORT", "2525")
    app = create_app({"TESTING": True, "RTR_WORKER": "off", "RTR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"},
                     instance_path=str(tmp_path))
    assert app.config["RTR_SMTP_PASSWORD"] == "123456" and app.config["RTR_SMTP_PORT"] == 2525
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    assert app.test_client().get("/w/demo/frame").status_code == 200, "a numeric secret key signs tokens"
    get_state(app).store.engine.dispose()


def test_extension_on_a_host_app_with_prefix(tmp_path: Path) -> None:
    host = Flask("host_app", instance_path=str(tmp_path))
    host.config.update(TESTING=True, RTR_SECRET_KEY="k", RTR_WORKER="off",
                       RTR_DATABASE_URL=f"sqlite:///{tmp_path}/host.sqlite3")
    extension = ReadyToRebuild()
    extension.init_app(host)
    host.config["RTR_URL_PREFIX"] = "/ignored-after-init"
    ReadyToRebuild(url_prefix="/consult")  # a second object for another app is fine
    assert get_state(host).url_prefix == ""
    assert host.test_client().get("/embed.js").status_code == 200


def test_constructor_argument_beats_app_config(tmp_path: Path) -> None:
    host = Flask("host_app2", instance_path=str(tmp_path))
    host.config.update(TESTING=True, RTR_URL_PREFIX="/from-config", RTR_WORKER="off",
                       RTR_DATABASE_URL=f"sqlite:///{tmp_path}/host.sqlite3")
    ReadyToRebuild(host, url_prefix="/consult")
    client = host.test_client()
    assert client.get("/consult/embed.js").status_code == 200
    host.test_cli_runner().invoke(args=["rtr", "demo"])
    frame = client.get("/consult/w/demo/frame")
    assert frame.status_code == 200 and 'action="/consult/w/demo/leads"' in frame.get_data(as_text=True)
    assert client.get("/from-config/embed.js").status_code == 404


def test_registering_twice_says_what_to_do(make_app) -> None:
    app = make_app()
    with pytest.raises(RuntimeError, match="once per app"):
        ReadyToRebuild(app)


def test_state_without_init_app_asks_about_init_app() -> None:
    with pytest.raises(RuntimeError, match="did you forget to call init_app"):
        get_state(Flask("bare"))


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "RTR_WORKER": "off"}, instance_path=str(tmp_path))
    engine = get_state(app).store.engine
    assert engine.dialect.name == "sqlite"
    assert (tmp_path / "rtr.sqlite3").exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_without_rtr_public_url_start_up_warns_that_the_host_header_is_trusted(tmp_path: Path) -> None:
    config = {"RTR_SECRET_KEY": "k", "RTR_WORKER": "off", "RTR_RATELIMIT_STORAGE_URI": "memory://x",
              "RTR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    with pytest.warns(UserWarning) as caught:
        create_app(config, instance_path=str(tmp_path))
    assert any("RTR_PUBLIC_URL is not set" in str(w.message) and "Host" in str(w.message) for w in caught)
