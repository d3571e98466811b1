"""Web pages: weight of the explore page and server time per page, against the real server.

    .venv/bin/python bench/web_pages.py                       # 2k users, 20k notes, SQLite
    .venv/bin/python bench/web_pages.py --users 500 --notes 5000 --requests 50   # quick

In a fresh data dir (var/bench/web/): migrate, collect static files, bulk-seed (seeded), then
start ``vermilion serve --no-worker`` and, over one keep-alive connection:

1. Page weight of ``/`` as a first visit sees it: the HTML, and every script and stylesheet
   it links, raw and as served compressed (``Accept-Encoding: gzip``; whitenoise serves the
   precompressed files).
2. Server time per page: ``--rounds`` rounds of ``--requests`` sequential GETs of each page
   (anonymous and signed in), p50/p99 per round, median over rounds, and the ratio to
   ``GET /api/health`` measured in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_latency import percentile, server  # noqa: E402  (shared server helpers)

ROOT = Path(__file__).resolve().parent.parent
VERMILION = [sys.executable, "-m", "vermilion.cli"]

SETUP = """
import json, sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from vermilion.accounts.models import Follow, User
from vermilion.notes.models import Note

reader = User.objects.order_by("date_joined", "id").first()
session = SessionStore()
session[SESSION_KEY] = str(reader.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
session.create()
public = Note.objects.filter(visibility="public").order_by("-id")
note_ids = list(public.values_list("id", flat=True)[:500])
author = User.objects.order_by("-notes_count").values_list("username", flat=True).first()
print(json.dumps({"session": session.session_key, "notes": note_ids, "author": author,
                  "reader": reader.username}))
"""


def run(env: dict, *command: str, capture: bool = False) -> str:
    result = subprocess.run(
        [*VERMILION, *command], env=env, cwd=ROOT, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def get(conn, path: str, headers: dict | None = None) -> tuple[int, bytes, dict, float]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return response.status, body, dict(response.getheaders()), elapsed


def page_weight(conn) -> dict:
    status, html, _, _ = get(conn, "/")
    assert status == 200, status
    assets = re.findall(r'<script[^>]+src="([^"]+)"', html.decode()) + re.findall(
        r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html.decode()
    )
    weight = {"html": len(html), "html_gzip": len(gzip.compress(html)), "js": 0, "js_gzip": 0}
    weight.update(css=0, css_gzip=0, files=[])
    for src in assets:
        status, raw, _, _ = get(conn, src)
        status_gz, body_gz, headers, _ = get(conn, src, {"Accept-Encoding": "gzip"})
        assert status == 200 == status_gz, src
        served = len(body_gz) if headers.get("Content-Encoding") == "gzip" else len(raw)
        kind = "js" if src.endswith(".js") else "css"
        weight[kind] += len(raw)
        weight[f"{kind}_gzip"] += served
        weight["files"].append({"path": src, "bytes": len(raw), "served_gzip": served})
    return weight


def measure_pages(conn, pages: dict, requests: int, rounds: int) -> dict:
    results: dict[str, dict] = {}
    for name, (path_of, headers) in pages.items():
        for _ in range(5):  # warm-up
            get(conn, path_of(), headers)
        per_round = []
        for _ in range(rounds):
            samples = []
            for _ in range(requests):
                status, _, _, elapsed = get(conn, path_of(), headers)
                if status != 200:
                    raise SystemExit(f"{name}: HTTP {status}")
                samples.append(elapsed)
            per_round.append((percentile(samples, 50), percentile(samples, 99)))
        results[name] = {
            "p50_ms": statistics.median(r[0] for r in per_round),
            "p99_ms": statistics.median(r[1] for r in per_round),
        }
    base = results["health (baseline)"]
    for value in results.values():
        value["p50_ratio"] = value["p50_ms"] / base["p50_ms"]
        value["p99_ratio"] = value["p99_ms"] / base["p99_ms"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "web_pages.json"))
    args = parser.parse_args()

    data_dir = ROOT / "var" / "bench" / "web"
    if data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERMILION_")}
    env.update(VERMILION_DATA_DIR=str(data_dir), VERMILION_RATE_LIMITS="0")
    run(env, "migrate", "--noinput", "-v", "0")
    run(env, "collectstatic", "--noinput", "-v", "0")
    started = time.perf_counter()
    size = ["--users", str(args.users), "--notes", str(args.notes), "--seed", str(args.seed)]
    run(env, "seed", *size)
    print(f"seeded {args.users} users / {args.notes} notes in {time.perf_counter() - started:.1f}s")
    facts = json.loads(run(env, "shell", "-c", SETUP, capture=True).strip().splitlines()[-1])

    rng = random.Random(args.seed)
    signed_in = {"Cookie": f"sessionid={facts['session']}"}
    pages = {
        "health (baseline)": (lambda: "/api/health", {}),
        "explore / (anonymous)": (lambda: "/", {}),
        "explore / (signed in)": (lambda: "/", signed_in),
        "channel /?channel=food": (lambda: "/?channel=food", signed_in),
        "note /notes/{id}": (lambda: f"/notes/{rng.choice(facts['notes'])}", signed_in),
        "profile /u/{name}": (lambda: f"/u/{facts['author']}", signed_in),
        "following": (lambda: "/following", signed_in),
        "notifications": (lambda: "/notifications", signed_in),
        "compose": (lambda: "/compose", signed_in),
        "search /search?q=": (lambda: "/search?q=the", signed_in),
    }
    log_path = data_dir / "server.log"
    with server(env, log_path) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        weight = page_weight(conn)
        timings = measure_pages(conn, pages, args.requests, args.rounds)
        conn.close()

    print("\nExplore page weight (first visit)")
    print(f"  HTML  {weight['html']:>8,} B   gzip {weight['html_gzip']:>7,} B")
    print(f"  JS    {weight['js']:>8,} B   gzip {weight['js_gzip']:>7,} B")
    print(f"  CSS   {weight['css']:>8,} B   gzip {weight['css_gzip']:>7,} B")
    for f in weight["files"]:
        print(f"    {f['path']:<60} {f['bytes']:>8,} B  (served gzip {f['served_gzip']:,} B)")
    print(f"\nServer time per page (median of {args.rounds} rounds x {args.requests} requests)")
    print(f"  {'page':<28} {'p50 ms':>8} {'p99 ms':>8} {'p50/health':>11} {'p99/health':>11}")
    for name, t in timings.items():
        print(
            f"  {name:<28} {t['p50_ms']:>8.2f} {t['p99_ms']:>8.2f} "
            f"{t['p50_ratio']:>11.1f} {t['p99_ratio']:>11.1f}"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"weight": weight, "timings": timings}, indent=2))


if __name__ == "__main__":
    main()
