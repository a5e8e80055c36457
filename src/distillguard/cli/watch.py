"""`distillguard watch`: the continuous hunt next to the gateways."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from distillguard.cli.output import InPath, emit, format_option
from distillguard.settings import Settings


@click.command("watch")
@click.option("--log-dir", required=True, type=InPath(exists=True, file_okay=False,
                                                          path_type=Path),
              help="The gateways' exchange-log directory (DATA_DIR/gateway/log).")
@click.option("--accounts", type=InPath(exists=True, path_type=Path),
              help="Account records (JSONL, CSV or Parquet): payment and sign-up keys.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where each cycle's hunt is written (default DATA_DIR/watch).")
@click.option("--interval", "interval_s", type=float, default=None,
              help="Seconds between cycles (default DISTILLGUARD_WATCH_INTERVAL_S).")
@click.option("--window", default=None,
              help="Rolling window hunted, e.g. 36h or 7d (default DISTILLGUARD_WATCH_WINDOW).")
@click.option("--cycles", type=int, default=None, help="Stop after this many cycles.")
@format_option
@click.pass_obj
def watch(settings: Settings, log_dir: Path, accounts: Path | None, out_dir: Path | None,
          interval_s: float | None, window: str | None, cycles: int | None, fmt: str) -> None:
    """Re-hunt the live exchange log every few minutes; publish verdicts and campaign
    linkage keys to every replica (Redis at DISTILLGUARD_REDIS_URL).

    \b
    Example:
      distillguard watch --log-dir ~/.local/share/distillguard/gateway/log \\
          --accounts accounts.jsonl --interval 300
    """
    from distillguard.gateway.door import RedisChannel
    from distillguard.watch import CycleResult, parse_window
    from distillguard.watch import watch as run_watch

    done: list[CycleResult] = []

    def on_cycle(res: CycleResult) -> None:
        done.append(res)
        click.echo(f"watch: version {res.version}: {res.events} events from {res.files} files "
                   f"since {res.since_day}, hunt {res.hunt_s:.1f}s + keys {res.keys_s:.1f}s, "
                   f"verdicts {res.verdicts}, {res.campaigns} campaigns, keys {res.keys}",
                   err=True)

    def on_error(exc: Exception) -> None:
        click.echo(f"watch: cycle failed, last book stays in force: {exc}", err=True)

    async def go() -> int:
        channel = RedisChannel(settings.redis_url, prefix=settings.gateway_book_prefix,
                               timeout_s=settings.redis_timeout_s)
        try:
            return await run_watch(
                log_dir, accounts, out_dir or settings.data_dir / "watch", channel, settings,
                interval_s=interval_s if interval_s is not None else settings.watch_interval_s,
                window=parse_window(window or settings.watch_window), cycles=cycles,
                on_cycle=on_cycle, on_error=on_error)
        finally:
            await channel.aclose()

    asyncio.run(go())
    emit([r.as_dict() for r in done] or [{"version": "(no cycle published)"}], fmt,
         title="watch cycles")


commands: list[click.Command] = [watch]
