"""`distillguard` verbs of the gateway area: serve, replay, and `gateway` tools."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option
from distillguard.settings import Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--policy", "policy_path", type=InPath(exists=True, dir_okay=False),
              help="Policy YAML (overrides DISTILLGUARD_GATEWAY_POLICY).")
@click.option("--verdicts", type=click.Path(dir_okay=False), default="",
              help="A hunt's accounts.csv; re-read when it changes.")
@click.option("--blocklist", "blocklists", multiple=True, type=click.Path(dir_okay=False),
              help="Intel blocklist CSV (account_id,action,reason,source); repeatable.")
@click.option("--replica", default="", help="Name of this replica in log file names.")
@click.option("--trust-forwarded", is_flag=True,
              help="Take the client address from X-Forwarded-For (behind a trusted proxy).")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, policy_path: str | None, verdicts: str,
          blocklists: tuple[str, ...], replica: str, trust_forwarded: bool) -> None:
    """Run the gateway in front of DISTILLGUARD_GATEWAY_UPSTREAM_URL.

    \b
    Example:
      DISTILLGUARD_GATEWAY_UPSTREAM_URL=http://127.0.0.1:8000 distillguard serve \\
          --port 8080 --verdicts hunt/accounts.csv
    """
    import asyncio

    import uvicorn

    from distillguard.gateway.app import Gateway, configure_logging

    if policy_path:
        settings = settings.with_overrides(gateway_policy=policy_path)
    configure_logging(settings.log_level)
    gw = Gateway(settings, verdicts=verdicts, blocklists=blocklists, replica=replica,
                 trust_forwarded=trust_forwarded)
    upstream = asyncio.run(gw.check_upstream())
    click.echo(gw.startup_line(host, port, upstream), err=True)
    if upstream != "ok":
        click.echo(f"warning: the upstream {gw.upstream} is {upstream}: model requests get 502 "
                   "until it answers (/readyz reports it); check "
                   "DISTILLGUARD_GATEWAY_UPSTREAM_URL", err=True)
    uvicorn.run(gw.app, host=host, port=port, access_log=False, log_config=None,
                log_level=settings.log_level.lower(), lifespan="on", timeout_graceful_shutdown=5)


@click.command("replay")
@click.option("--events", "events_path", required=True, type=InPath(exists=True))
@click.option("--accounts", "accounts_path", required=True, type=InPath(exists=True))
@click.option("--labels", "labels_path", type=InPath(exists=True, dir_okay=False),
              help="labels.csv: enables the per-campaign and benign figures.")
@click.option("--personas", "personas_path", type=InPath(exists=True, dir_okay=False),
              help="The simulator's personas.csv: benign accounts refused by persona.")
@click.option("--gateway", "gateway_url", default=None,
              help="Base URL of a running gateway (not with --watch / --baseline).")
@click.option("--watch", "watch_mode", is_flag=True,
              help="In process: a gateway plus the continuous hunt on its own log, cycles "
                   "every --cycle-every of simulated time; day 2 onwards measured.")
@click.option("--baseline", type=click.Choice(["day1", "online"]), default=None,
              help="In process, for comparison: day 1's hunt verdicts loaded (day1) or "
                   "online scoring alone (online); day 2 onwards measured.")
@click.option("--cycle-every", default="6h", show_default=True,
              help="Simulated time between watch cycles (e.g. 1h, 6h).")
@click.option("--window", default=None,
              help="Rolling window each cycle hunts (default DISTILLGUARD_WATCH_WINDOW).")
@click.option("--work", "work_dir", type=click.Path(file_okay=False),
              help="Where the in-process gateway's log, keys and hunts go (default DATA_DIR/"
                   "replay).")
@click.option("--speedup", default=0.0, show_default=True, type=float,
              help="Time compression (3600 = an hour per second); 0 sends as fast as possible.")
@click.option("--concurrency", default=32, show_default=True, type=int)
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Also write the full report as JSON here.")
@format_option
@click.pass_obj
def replay(settings: Settings, events_path: str, accounts_path: str, labels_path: str | None,
           personas_path: str | None, gateway_url: str | None, watch_mode: bool,
           baseline: str | None, cycle_every: str, window: str | None, work_dir: str | None,
           speedup: float, concurrency: int, out_path: str | None, fmt: str) -> None:
    """Send a simulated world through a gateway; report what each campaign was served.

    \b
    Examples:
      distillguard replay --events world/events.jsonl.gz \\
          --accounts world/accounts.jsonl --gateway http://127.0.0.1:8080 \\
          --labels world/labels.csv
      distillguard replay --events world/events.jsonl.gz \\
          --accounts world/accounts.jsonl --labels world/labels.csv --watch \\
          --cycle-every 6h
    """
    import orjson

    from distillguard.gateway.replay import ReplayProgress, ReplayReport
    from distillguard.schema import ConfigError

    if watch_mode or baseline:
        if not labels_path or gateway_url or (watch_mode and baseline):
            raise ConfigError("--watch / --baseline replay in process: they need --labels, "
                              "take no --gateway, and only one of them")
    elif not gateway_url:
        raise ConfigError("replay needs --gateway URL (or --watch / --baseline)")
    quarantined = 0
    extra: dict[str, object] = {}
    with StderrProgress("replay") as bar:
        def sent(p: ReplayProgress) -> None:
            bar.update(f"replay: {p.sent:,} sent, up to {p.sim_time:%Y-%m-%d %H:%M} "
                       f"simulated, {p.wall_s:.0f} s")

        if watch_mode or baseline:
            from distillguard.watch import parse_window
            from distillguard.watch.replay import Progress, replay_world

            cycles_told = [0]

            def cycled(p: Progress) -> None:
                last = p.last_cycle
                if last is not None and p.cycles > cycles_told[0]:
                    cycles_told[0] = p.cycles
                    bar.done(f"cycle v{last.version} at {p.sim_time:%Y-%m-%d %H:%M}: "
                             f"{last.events:,} events, hunt {last.hunt_s:.1f} s, "
                             f"{last.campaigns} campaigns")
                sent(p)

            assert labels_path is not None
            world = replay_world(
                Path(events_path), Path(accounts_path), Path(labels_path),
                Path(work_dir) if work_dir else settings.data_dir / "replay", settings,
                personas_path=Path(personas_path) if personas_path else None,
                mode="watch" if watch_mode else str(baseline),
                cycle_every=parse_window(cycle_every),
                window=parse_window(window or settings.watch_window),
                concurrency=concurrency, progress=cycled)
            report: ReplayReport = world.report
            extra = {"mode": world.mode, "config": world.config, "cycles": world.cycles}
        else:
            from distillguard.gateway.keys import KeyStore
            from distillguard.gateway.replay import run_replay
            from distillguard.ingest import Quarantine, iter_events, read_accounts, read_labels

            assert gateway_url is not None
            quarantine = Quarantine()
            accounts = read_accounts(accounts_path, quarantine)
            labels = read_labels(labels_path) if labels_path else []
            personas = {}
            if labels_path and personas_path:
                from distillguard.evaluate.inputs import read_truth

                personas = {a: t.persona for a, t in
                            read_truth(Path(labels_path), Path(personas_path)).items()}
            store = KeyStore(settings.effective_database_url)
            try:
                report = run_replay(
                    iter_events(events_path, quarantine), accounts, labels, gateway_url, store,
                    speedup=speedup, concurrency=concurrency, personas=personas,
                    progress=sent)
            finally:
                store.close()
            quarantined = quarantine.total
    result = {**extra, **report.as_dict(), "quarantined": quarantined}
    if out_path:
        Path(out_path).write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    if fmt == "json":
        emit(result, fmt)
        return
    emit(report.headline, fmt, title=(
        f"replay: {report.sent} sent, {report.served} served, {report.blocked} blocked, "
        f"{report.rate_limited} rate limited, {report.errors} errors in {report.wall_s:.1f}s"
        f"; quarantined {quarantined}"))
    emit(report.campaigns, fmt, title="per campaign", columns=[
        "campaign", "accounts", "accounts_blocked", "sent", "served", "share_served",
        "served_before_first_block", "share_served_after_first_block", "rate_limited",
        "cut_off"])
    emit(report.days, fmt, title="per day")
    if report.benign_by_persona:
        emit(report.benign_by_persona, fmt, title="benign accounts refused, by persona")
    emit(report.benign_blocked or [{"account_id": "(none)"}], fmt,
         title=f"benign accounts blocked: {len(report.benign_blocked)} of "
               f"{report.benign_accounts}")


@click.group("gateway")
def gateway() -> None:
    """Gateway tools: keys, the stub upstream, log rotation, policy checks."""


@gateway.group("keys")
def keys() -> None:
    """Gateway keys (hashed at rest in DISTILLGUARD_DATABASE_URL)."""


@keys.command("create")
@click.option("--account", "account_id", required=True)
@click.option("--org", "org_id", default=None)
@click.option("--kyc", "kyc_level", default=None,
              type=click.Choice(["none", "email", "card", "id_verified", "contract"]))
@click.option("--name", default="")
@format_option
@click.pass_obj
def keys_create(settings: Settings, account_id: str, org_id: str | None, kyc_level: str | None,
                name: str, fmt: str) -> None:
    """Create a key; the secret is printed once and never stored.

    \b
    Example:
      distillguard gateway keys create --account acct-7f3a --kyc card
    """
    from distillguard.gateway.keys import KeyStore

    store = KeyStore(settings.effective_database_url)
    try:
        new = store.create(account_id, org_id=org_id, kyc_level=kyc_level, name=name)
    finally:
        store.close()
    emit({**new.record.as_row(), "secret": new.secret}, fmt)


@keys.command("list")
@click.option("--account", "account_id", default=None)
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
@format_option
@click.pass_obj
def keys_list(settings: Settings, account_id: str | None, include_revoked: bool, fmt: str
              ) -> None:
    """List keys (never their secrets).

    \b
    Example:
      distillguard gateway keys list --account acct-7f3a --all --format csv
    """
    from distillguard.gateway.keys import KeyStore

    store = KeyStore(settings.effective_database_url)
    try:
        rows = [r.as_row() for r in store.list(account_id, include_revoked=include_revoked)]
    finally:
        store.close()
    emit(rows, fmt, columns=["key_id", "account_id", "org_id", "kyc_level", "name",
                             "created_at", "revoked_at"])


@keys.command("revoke")
@click.argument("key_id")
@format_option
@click.pass_obj
def keys_revoke(settings: Settings, key_id: str, fmt: str) -> None:
    """Revoke a key (takes effect on running gateways within seconds).

    \b
    Example:
      distillguard gateway keys revoke 1601bb7d207f
    """
    from distillguard.gateway.keys import KeyStore

    store = KeyStore(settings.effective_database_url)
    try:
        emit(store.revoke(key_id).as_row(), fmt)
    finally:
        store.close()


@gateway.command("stub-upstream")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--model", "models", multiple=True,
              help="Model names served (repeatable); none means any name.")
@click.option("--delay-ms", default=0.0, show_default=True, type=float,
              help="Added before every answer, to mimic a model's latency.")
def stub_upstream(host: str, port: int, models: tuple[str, ...], delay_ms: float) -> None:
    """Serve the stub model API (OpenAI chat/responses, Anthropic messages, SSE).

    \b
    Example:
      distillguard gateway stub-upstream --port 8000 --delay-ms 50
    """
    import uvicorn

    from distillguard.gateway.stub import StubUpstream

    app = StubUpstream(models=models or None, delay_s=delay_ms / 1000.0)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


@gateway.command("rotate")
@click.option("--log-dir", type=InPath(exists=True, file_okay=False), default=None,
              help="Exchange-log directory (default DATA_DIR/gateway/log).")
@format_option
@click.pass_obj
def rotate(settings: Settings, log_dir: str | None, fmt: str) -> None:
    """Convert exchange-log files of finished days into canonical Parquet now.

    \b
    Example:
      distillguard gateway rotate --log-dir ~/.local/share/distillguard/gateway/log
    """
    from distillguard.gateway.exchange_log import ExchangeLog

    xlog = ExchangeLog(Path(log_dir) if log_dir else settings.data_dir / "gateway" / "log",
                       fsync="always", replica="rotate-cli")
    rows = [asdict(r) for r in xlog.rotate(only_own=False)]
    xlog.close()
    emit(rows, fmt, columns=["day", "source", "parquet", "events", "quarantined"])


@gateway.command("check-policy")
@click.argument("path", type=InPath(exists=True, dir_okay=False))
@format_option
def check_policy(path: str, fmt: str) -> None:
    """Validate a policy YAML; errors name file and line.

    \b
    Example:
      distillguard gateway check-policy policy.yaml --format json
    """
    from distillguard.gateway.policy import load_policy

    p = load_policy(path)
    emit({"policy": p.source, "models": list(p.models), "review": p.review_threshold,
          "block": p.block_threshold, "limits": {k: asdict(v) for k, v in p.limits.items()},
          "tiers": {k: t.action for k, t in p.tiers.items()}}, fmt)


commands: list[click.Command] = [serve, replay, gateway]
