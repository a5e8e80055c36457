"""A landmark's measurement: ``count`` challenges to a server's agent, one at a
time, each timed from send to a valid signed answer. Answers for another
nonce (late answers to earlier challenges), another device or with a wrong MAC
are counted as invalid and never timed; a challenge with no valid answer
within ``timeout_s`` is lost."""

from __future__ import annotations

import socket
import time

from distillguard.diversion.attest import Measurement
from distillguard.diversion.challenge import MAX_DATAGRAM, Answer, Challenge


def probe(
    landmark: str,
    host: str,
    port: int,
    key: bytes,
    device: str,
    *,
    count: int = 10,
    timeout_s: float = 1.0,
    gap_s: float = 0.01,
) -> Measurement:
    rtts: list[float] = []
    lost = invalid = 0
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        for i in range(count):
            if i and gap_s:
                time.sleep(gap_s)
            ch = Challenge.fresh(landmark)
            t0 = time.perf_counter()
            deadline = t0 + timeout_s
            sock.send(ch.encode())
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    lost += 1
                    break
                sock.settimeout(left)
                try:
                    data = sock.recv(MAX_DATAGRAM)
                except (TimeoutError, ConnectionRefusedError):
                    lost += 1
                    break
                t1 = time.perf_counter()
                ans = Answer.decode(data)
                if ans is not None and ans.valid_for(key, device, ch):
                    rtts.append((t1 - t0) * 1000.0)
                    break
                invalid += 1
    return Measurement(landmark, tuple(rtts), lost, invalid)
