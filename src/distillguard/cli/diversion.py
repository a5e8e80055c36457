"""`distillguard diversion` and `distillguard locate` verbs: red flags of chip
diversion on exporters' orders, and location attestation of accelerators."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option
from distillguard.settings import Settings


@click.group("diversion")
def diversion() -> None:
    """Red flags of chip diversion on orders (BIS guidance, KYC red flags)."""


@diversion.command("check")
@click.option(
    "--orders",
    required=True,
    type=InPath(exists=True, dir_okay=False, path_type=Path),
    help="CSV or JSONL orders: order_id, buyer, consignee, end_user, ultimate_parent, "
    "addresses, forwarder, ship_to_country, product, quantity, stated_end_use, site, "
    "site_power_kw, payment_method, payer_country, dates (docs/diversion.md).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for decisions.csv, flags.csv and quarantine.jsonl.",
)
@click.option("--flags", default="", help="YAML overriding the shipped flag set.")
@click.option("--no-screen", is_flag=True, help="Skip restricted-party screening of parties.")
@click.option(
    "--workers", type=int, default=0, show_default=True, help="Worker processes (0 = up to 2)."
)
@format_option
@click.pass_obj
def check_cmd(
    settings: Settings,
    orders: Path,
    out: Path,
    flags: str,
    no_screen: bool,
    workers: int,
    fmt: str,
) -> None:
    """Flag every order of ORDERS: clear | review | hold with each flag's evidence and source.

    \b
    Example:
      distillguard diversion check --orders orders.csv --out checked
    """
    from distillguard.diversion.service import check_order_file

    with StderrProgress("diversion check") as bar:
        report = check_order_file(
            settings, orders, out, flags=flags, screen=not no_screen, workers=workers,
            progress=lambda n: bar.update(f"checked {n:,} orders"),
        )
    emit(report.to_dict(), fmt)


@diversion.command("flags")
@click.option("--flags", default="", help="YAML overriding the shipped flag set.")
@format_option
def flags_cmd(flags: str, fmt: str) -> None:
    """List the red-flag set: severity, weight and legal source of each flag.

    \b
    Example:
      distillguard diversion flags --format csv
    """
    from distillguard.diversion.service import flag_table

    emit(flag_table(flags), fmt, title="diversion red flags")


def _addr(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"{text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


@click.group("locate")
def locate() -> None:
    """Location attestation of a server from signed round-trip times to landmarks."""


@locate.command("verify")
@click.option(
    "--measurements",
    required=True,
    type=InPath(exists=True, dir_okay=False, path_type=Path),
    help="JSON lines of landmark measurements (as `locate probe` writes them).",
)
@click.option("--site", required=True, help="Declared site: LAT,LON or a place id.")
@click.option("--landmarks", default="", help="Landmark CSV replacing the shipped set.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the region drawn on a map image (PNG or SVG).")
@click.option("--radius-km", type=float, default=500.0, show_default=True,
              help="Attest only when the whole feasible region is this close to the site.")
@click.option("--floor-ms", type=float, default=0.0, show_default=True,
              help="Landmarks' own measured overhead, subtracted from every RTT.")
@click.option("--km-per-ms", type=float, default=200.0, show_default=True,
              help="One-way signal speed (fibre 200; 300 is strict against radio links).")
@click.option("--min-landmarks", type=int, default=3, show_default=True)
@click.option("--delay-model", type=InPath(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Calibrated delay model (`locate calibrate`) for the point "
                                 "estimate; the verdict never depends on it.")
@click.option("--decoy", "decoys", multiple=True,
              help="Another site (LAT,LON or place id) checked with the same measurements; "
                   "repeat it. The answer is then a certificate with each decoy's verdict.")
@click.option("--device", default="", help="Device id written into the certificate.")
@format_option
def verify_cmd(
    measurements: Path, site: str, landmarks: str, map_path: Path | None, radius_km: float,
    floor_ms: float, km_per_ms: float, min_landmarks: int, delay_model: Path | None,
    decoys: tuple[str, ...], device: str, fmt: str,
) -> None:
    """Consistent with the declared site / impossible / unverifiable, with reasons.

    \b
    Example:
      distillguard locate verify --measurements rtt.jsonl --site 50.11,8.68 \\
          --map region.png
      distillguard locate verify --measurements rtt.jsonl --site singapore \\
          --decoy batam --decoy johor-bahru --decoy 22.54,114.06 --format json
    """
    from distillguard.diversion.attest import AttestConfig
    from distillguard.diversion.service import verify_site

    cfg = AttestConfig(fibre_km_per_ms=km_per_ms, floor_ms=floor_ms, radius_km=radius_km,
                       min_landmarks=min_landmarks)
    out = verify_site(measurements, site, landmarks=landmarks, config=cfg, map_path=map_path,
                      delay_model=delay_model, decoys=decoys, device=device)
    if fmt == "json":
        emit(out, fmt)
        return
    emit(out["constraints"], fmt, title=f"{site}: {out['verdict']}")
    for r in out["reasons"]:
        click.echo(f"{out['verdict']}: {r}", err=True)
    if "certificate" in out and fmt == "table":  # csv stays one table: use json for both
        emit(out["certificate"]["decoys"], fmt, title="decoys")


@locate.command("agent")
@click.option("--listen", default="127.0.0.1:7464", show_default=True, help="HOST:PORT.")
@click.option("--device", required=True, help="Device id (the verifier knows its key).")
@click.option("--key-file", required=True, type=InPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--added-ms", type=float, default=0.0, help="Delay every answer (tests).")
def agent_cmd(listen: str, device: str, key_file: Path, added_ms: float) -> None:
    """Run the server's agent: answer challenges with signed, nonce-bound answers.

    \b
    Example:
      distillguard locate agent --listen 0.0.0.0:7464 --device gpu-node-17 \\
          --key-file device.key
    """
    import asyncio

    from distillguard.diversion.agent import serve_agent
    from distillguard.diversion.challenge import read_key

    host, port = _addr(listen)
    asyncio.run(serve_agent(host, port, read_key(key_file), device, added_ms))


@locate.command("probe")
@click.option("--landmark", required=True, help="This landmark's id.")
@click.option("--target", required=True, help="The agent's HOST:PORT.")
@click.option("--device", required=True)
@click.option("--key-file", required=True, type=InPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--count", type=int, default=10, show_default=True)
@click.option("--timeout-s", type=float, default=1.0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the measurement to this JSON-lines file (else print it).")
def probe_cmd(landmark: str, target: str, device: str, key_file: Path, count: int,
              timeout_s: float, out: Path | None) -> None:
    """Time COUNT signed challenges from this landmark to an agent.

    \b
    Example:
      distillguard locate probe --landmark fra --target 10.0.0.17:7464 \\
          --device gpu-node-17 --key-file device.key --out rtt.jsonl
    """
    import json

    from distillguard.diversion.challenge import read_key
    from distillguard.diversion.probe import probe

    host, port = _addr(target)
    m = probe(landmark, host, port, read_key(key_file), device, count=count, timeout_s=timeout_s)
    line = json.dumps(m.to_dict())
    if out is None:
        click.echo(line)
    else:
        with out.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


@locate.command("relay")
@click.option("--listen", required=True, help="HOST:PORT to accept datagrams on.")
@click.option("--to", "upstream", required=True, help="HOST:PORT to forward them to.")
@click.option("--delay-ms", type=float, required=True, help="Added round-trip delay.")
@click.option("--jitter-ms", type=float, default=0.0, show_default=True,
              help="Mean exponential jitter per packet and direction.")
@click.option("--loss", type=float, default=0.0, show_default=True, help="Drop probability.")
@click.option("--seed", type=int, default=None)
def relay_cmd(listen: str, upstream: str, delay_ms: float, jitter_ms: float, loss: float,
              seed: int | None) -> None:
    """A user-space UDP delay line: distance, or a relay forwarding to a chip elsewhere.

    \b
    Example:
      distillguard locate relay --listen 127.0.0.1:7500 --to 127.0.0.1:7464 \\
          --delay-ms 40
    """
    import asyncio

    from distillguard.diversion.delayline import serve_delayline

    asyncio.run(serve_delayline(_addr(listen), _addr(upstream), delay_ms, jitter_ms=jitter_ms,
                                loss=loss, seed=seed))


@locate.command("keygen")
def keygen_cmd() -> None:
    """Print a fresh 256-bit device key (hex) for an agent and its verifier.

    \b
    Example:
      distillguard locate keygen > device.key
    """
    from distillguard.diversion.challenge import new_key

    click.echo(new_key())


@locate.command("landmarks")
@click.option("--landmarks", default="", help="Landmark CSV replacing the shipped set.")
@format_option
def landmarks_cmd(landmarks: str, fmt: str) -> None:
    """The landmark set with coordinates and their provenance.

    \b
    Example:
      distillguard locate landmarks --format csv
    """
    from distillguard.diversion.service import landmark_table

    emit(landmark_table(landmarks), fmt, title="landmarks and named sites")


@locate.command("calibrate")
@click.option("--targets", type=click.IntRange(1, 1_000_000), default=1500, show_default=True,
              help="Simulated servers at known places, each measured from every landmark.")
@click.option("--seed", type=int, default=11, show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@format_option
def calibrate_cmd(targets: int, seed: int, out: Path, fmt: str) -> None:
    """Fit the delay model for `locate verify --delay-model` on simulated paths.

    \b
    Example:
      distillguard locate calibrate --seed 11 --out delay-model.json
    """
    from distillguard.diversion.trials import calibrate

    model = calibrate(targets, seed)
    model.save(out)
    emit({"out": str(out), "observations": model.observations, **model.provenance}, fmt,
         title="delay model")


@locate.command("trials")
@click.option("--trials", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Trials per kind (honest, liar, delaying liar, relay).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--radius-km", type=float, default=500.0, show_default=True)
@click.option("--delay-model", type=InPath(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Calibrated delay model for the point estimate (fit it on "
                                 "another seed than --seed).")
@format_option
def trials_cmd(trials: int, seed: int, radius_km: float, delay_model: Path | None,
               fmt: str) -> None:
    """Simulated attestations: verdicts per kind and location error versus RTT.

    \b
    Example:
      distillguard locate trials --trials 500 --seed 1
    """
    from distillguard.diversion.attest import AttestConfig
    from distillguard.diversion.delaymodel import load_delay_model
    from distillguard.diversion.trials import run_trials

    model = load_delay_model(delay_model) if delay_model is not None else None
    report = run_trials(trials, seed=seed, cfg=AttestConfig(radius_km=radius_km),
                        delays=model)
    if fmt == "json":
        emit(report, fmt)
        return
    emit(report["error_vs_rtt"], fmt, title="honest servers: error versus nearest RTT")
    summary = {k: v for k, v in report.items() if k not in ("error_vs_rtt", "config")}
    emit(summary, fmt)


commands: list[click.Command] = [diversion, locate]
