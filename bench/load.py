"""Citizens submitting opinions at a steady rate against the embedded runtime (`python -m
local`, what `make run` starts), then whether every accepted opinion got analysed (issue #9).
Arrivals are open-loop: a slow server shows as latency and backlog, never as a lower offered
rate; latency counts from each submission's scheduled time, so queueing is not hidden.

Usage: .venv/bin/python bench/load.py [--rate 50] [--duration 60] [--concurrency 32]
       [--communes biot,valbonne] [--drain 300] [--api URL --aws URL]
Without --api it starts its own runtime on free ports (no demo opinions, rate limits lifted).
The last line reads: load: offered=<r>/s achieved=<r>/s accepted=<n> errors=<n> p50_ms=<x>
p95_ms=<y> p99_ms=<z> not_analysed=<n> drain_s=<t> target=met|missed
The exit code is 1 when the target (the offered rate held, no error, nothing lost) is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from embedded import PASSWORD, embedded_runtime, id_token

ROOT = Path(__file__).resolve().parent.parent
# The target allows for the last submissions still in flight when the clock stops.
ACHIEVED_SHARE = 0.95

# Opinions are composed from parts (≈ 10^6 combinations) so that no two in a run are
# near-duplicates: the flood detector and the analysis see realistic, varied texts.
OPENINGS = (
    "Bonjour,",
    "Madame, Monsieur,",
    "Je me permets de vous écrire car",
    "Habitant du quartier depuis dix ans,",
    "Petit message pour signaler que",
    "Encore une fois,",
    "Merci de prendre le temps de lire ceci :",
    "Je tenais à dire que",
)
SUBJECTS = (
    "les poubelles débordent",
    "le bus de 8 h passe rarement à l'heure",
    "l'éclairage public est en panne",
    "le nouveau marché du samedi est une belle réussite",
    "les trottoirs sont encombrés de voitures",
    "la piscine municipale ferme trop tôt l'été",
    "les agents des espaces verts font un travail remarquable",
    "le bruit des scooters la nuit devient insupportable",
    "la médiathèque propose enfin des horaires adaptés",
    "les nids-de-poule se multiplient",
    "la cantine sert des repas de meilleure qualité",
    "le stationnement est devenu impossible",
)
PLACES = (
    "rue du Portugon",
    "chemin des Aspres",
    "près de l'école des Vignasses",
    "place de Gaulle",
    "route de la Mer",
    "au rond-point des Bouillides",
    "derrière la mairie annexe",
    "le long du Pré aux Pêcheurs",
    "vers le stade",
    "dans le vieux village",
)
DETAILS = (
    "depuis plus de trois semaines",
    "surtout le lundi matin",
    "et ce n'est pas la première fois",
    "alors que les enfants passent par là",
    "ce qui change vraiment la vie des familles",
    "et plusieurs voisins l'ont remarqué aussi",
    "malgré un premier signalement en mairie",
    "depuis le début des travaux",
)
CLOSINGS = (
    "Merci d'avance pour votre réponse.",
    "Pouvez-vous faire quelque chose ?",
    "Bravo et continuez ainsi !",
    "J'espère que la situation va s'améliorer.",
    "Cordialement.",
    "Je reste disponible pour en parler.",
    "",
)


@dataclass(frozen=True)
class Commune:
    slug: str
    themes: tuple[str, ...]
    quartiers: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    commune: str
    status: int  # 0: the connection failed
    latency_ms: float
    thread_id: str | None


@dataclass
class LoadResult:
    offered: int
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    backlog: list[tuple[float, int]] = field(default_factory=list)

    @property
    def accepted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == 202 and o.thread_id]

    @property
    def achieved(self) -> float:
        return len(self.accepted) / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> Counter[int]:
        return Counter(o.status for o in self.outcomes if o.status != 202)


@dataclass
class DrainResult:
    seconds: float
    states: Counter[str]
    dead_letters: int | None

    @property
    def not_analysed(self) -> int:
        return sum(n for state, n in self.states.items() if state != "done")


class Composer:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def opinion(self, commune: Commune) -> dict[str, Any]:
        pick = self._random.choice
        text = (
            f"{pick(OPENINGS)} {pick(SUBJECTS)} {pick(PLACES)}, {pick(DETAILS)}. {pick(CLOSINGS)}"
        ).strip()
        body: dict[str, Any] = {"theme": pick(commune.themes), "text": text}
        if commune.quartiers and self._random.random() < 0.7:
            body["quartier"] = pick(commune.quartiers)
        if self._random.random() < 0.5:
            body["rating"] = self._random.randint(1, 5)
        return body


class Api:
    """One keep-alive HTTP connection (per thread): the client must stay cheap, it shares
    the machine with the server it measures."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"the bench talks to a local runtime only, not {base_url}")
        self._host, self._port = parts.hostname, parts.port or 80
        self._token = token
        self._connection: http.client.HTTPConnection | None = None

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """(status, decoded JSON body). Raises OSError when the connection fails twice."""
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})}
        if self._token:
            sent["Authorization"] = f"Bearer {self._token}"
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
            try:
                self._connection.request(method, path, payload, sent)
                response = self._connection.getresponse()
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
            except (OSError, http.client.HTTPException):
                self.close()
                # A kept-alive connection the server closed meanwhile: retry once on a new
                # one. Only idempotent reads are retried; a submission carries its key.
                if attempt == 2 or (method == "POST" and "Idempotency-Key" not in sent):
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class ProcessClock:
    """CPU seconds a process used (Linux /proc): the server's cost per submission, a figure a
    busy shared machine distorts far less than latency."""

    def __init__(self, pid: int | None) -> None:
        self._stat = Path(f"/proc/{pid}/stat") if pid else None

    def seconds(self) -> float | None:
        if self._stat is None or not self._stat.exists():
            return None
        # Fields 14 and 15 (utime, stime), counted after the parenthesised command name.
        fields = self._stat.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_commune(api_url: str, slug: str) -> Commune:
    status, profile = Api(api_url).call("GET", f"/communes/{slug}")
    if status != 200:
        raise SystemExit(f"GET /communes/{slug} answered {status}: {profile}")
    return Commune(
        slug,
        tuple(theme["id"] for theme in profile["themes"]),
        tuple(quartier["id"] for quartier in profile["quartiers"]),
    )


class AnalysisBacklog:
    """Samples the analysis queue and its dead-letter queue in the embedded AWS, to tell a
    slow API from slow workers. Absent (None) when the queues cannot be found."""

    def __init__(self, aws_url: str) -> None:
        sqs = boto3.client(
            "sqs",
            endpoint_url=aws_url,
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto's embedded AWS
        )
        urls = sqs.list_queues(QueueNamePrefix="concerto-analysis").get("QueueUrls", [])
        self._sqs = sqs
        self._queue = next((u for u in urls if not u.endswith("-dlq")), None)
        self._dead = next((u for u in urls if u.endswith("-dlq")), None)

    def depth(self, dead: bool = False) -> int | None:
        url = self._dead if dead else self._queue
        if url is None:
            return None
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = attributes.get("ApproximateNumberOfMessages", "0")
        in_flight = attributes.get("ApproximateNumberOfMessagesNotVisible", "0")
        return int(waiting) + int(in_flight)


def run_load(
    api_url: str,
    communes: list[Commune],
    rate: float,
    duration: float,
    concurrency: int,
    backlog: AnalysisBacklog | None,
) -> LoadResult:
    """Schedules rate × duration submissions at fixed intervals; `concurrency` senders take
    them in order. Returns once every scheduled submission has been answered."""
    offered = int(rate * duration)
    composer = Composer(seed=20170701)
    schedule: queue.Queue[tuple[float, Commune, dict[str, Any]] | None] = queue.Queue()
    result = LoadResult(offered=offered, seconds=0.0)
    lock = threading.Lock()

    def sender() -> None:
        api = Api(api_url)
        while (item := schedule.get()) is not None:
            due, commune, body = item
            outcome = submit(api, commune, body, due)
            with lock:
                result.outcomes.append(outcome)
        api.close()

    senders = [threading.Thread(target=sender, daemon=True) for _ in range(concurrency)]
    for thread in senders:
        thread.start()
    started = time.perf_counter()
    next_sample = started
    for n in range(offered):
        due = started + n / rate
        # Opinions are composed ahead of their time: the schedule never waits on the client.
        commune = communes[n % len(communes)]
        body = composer.opinion(commune)
        time.sleep(max(0.0, due - time.perf_counter()))
        schedule.put((due, commune, body))
        if backlog is not None and time.perf_counter() >= next_sample:
            result.backlog.append((time.perf_counter() - started, backlog.depth() or 0))
            next_sample += 5
    for _ in senders:
        schedule.put(None)
    for thread in senders:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def submit(api: Api, commune: Commune, body: dict[str, Any], due: float) -> Outcome:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    try:
        status, answer = api.call("POST", f"/communes/{commune.slug}/feedback", body, headers)
    except (OSError, http.client.HTTPException):
        status, answer = 0, None
    latency_ms = (time.perf_counter() - due) * 1000
    thread_id = answer.get("id") if status == 202 and isinstance(answer, dict) else None
    return Outcome(commune.slug, status, latency_ms, thread_id)


def analysis_states(api: Api) -> dict[str, str]:
    """Every thread of the token's commune → its analysisStatus, through the inbox listing."""
    states: dict[str, str] = {}
    cursor = ""
    while True:
        query = "/console/threads?limit=100" + (f"&cursor={cursor}" if cursor else "")
        status, page = api.call("GET", query)
        if status != 200:
            raise SystemExit(f"GET /console/threads answered {status}: {page}")
        states.update({item["id"]: item["analysisStatus"] for item in page["items"]})
        cursor = page["nextCursor"] or ""
        if not cursor:
            return states


def wait_for_analysis(
    staff: dict[str, Api], accepted: list[Outcome], drain: float, backlog: AnalysisBacklog | None
) -> DrainResult:
    """Waits until every accepted thread is analysed (or failed, dead-lettered) or `drain`
    seconds pass, then asks by id for each one the inbox did not list ("missing" when the
    API does not know it either). With the embedded AWS it watches the analysis queue empty
    (one cheap call every 2 s) and lists the inbox once at the end: listing thousands of
    threads every 2 s would take from the workers the CPU it measures."""
    started = time.perf_counter()
    wanted = {(o.commune, o.thread_id) for o in accepted if o.thread_id}
    states: dict[tuple[str, str], str] = {}
    while True:
        if backlog is None or backlog.depth() == 0:
            if backlog is not None:
                time.sleep(2)  # the last batch may still be writing after its messages left
            states = _states(staff)
            if all(states.get(key) in ("done", "failed") for key in wanted):
                break
        if time.perf_counter() - started > drain:
            states = _states(staff)
            break
        time.sleep(2)
    seconds = time.perf_counter() - started
    for slug, thread_id in [key for key in wanted if key not in states]:
        status, thread = staff[slug].call("GET", f"/console/threads/{thread_id}")
        states[(slug, thread_id)] = thread["analysis"]["status"] if status == 200 else "missing"
    dead = backlog.depth(dead=True) if backlog is not None else None
    return DrainResult(seconds, Counter(states[key] for key in wanted), dead)


def _states(staff: dict[str, Api]) -> dict[tuple[str, str], str]:
    return {
        (slug, thread_id): state
        for slug, api in staff.items()
        for thread_id, state in analysis_states(api).items()
    }


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass
class Costs:
    """What the run cost the server, and how busy the (shared) machine was meanwhile."""

    cpu_load: float | None
    cpu_drain: float | None
    load_average: tuple[float, float]


def print_load(rate: float, duration: float, load: LoadResult) -> None:
    latencies = sorted(o.latency_ms for o in load.outcomes) or [float("nan")]
    errors = sum(load.errors.values())
    by_status = ", ".join(f"{s or 'connection'}: {n}" for s, n in sorted(load.errors.items()))
    p50, p95, p99 = (percentile(latencies, share) for share in (0.50, 0.95, 0.99))
    print(f"offered        {load.offered} submissions over {duration:.0f} s = {rate:.1f}/s")
    accepted = f"{len(load.accepted)} accepted in {load.seconds:.1f} s"
    print(f"achieved       {load.achieved:.1f}/s ({accepted})")
    print(f"HTTP errors    {errors}" + (f" ({by_status})" if errors else ""))
    print(f"latency (ms)   p50 {p50:.0f}  p95 {p95:.0f}  p99 {p99:.0f}  max {latencies[-1]:.0f}")
    if load.backlog:
        samples = "  ".join(f"{t:.0f}s:{depth}" for t, depth in load.backlog)
        print(f"analysis queue {samples}")


def print_drain(drained: DrainResult) -> None:
    states = ", ".join(f"{state}: {n}" for state, n in sorted(drained.states.items()))
    print(f"analysis       {states or 'nothing accepted'} after draining {drained.seconds:.1f} s")
    if drained.dead_letters is not None:
        print(f"dead letters   {drained.dead_letters} in the analysis DLQ")
    print(f"not analysed   {drained.not_analysed}")


def print_costs(load: LoadResult, costs: Costs) -> None:
    before, after = costs.load_average
    print(f"load average   {before:.1f} before, {after:.1f} after ({os.cpu_count()} cores)")
    if costs.cpu_load is None or costs.cpu_drain is None:
        return
    total = costs.cpu_load + costs.cpu_drain
    per_submission = 1000 * total / max(1, len(load.accepted))
    # The API and the embedded AWS share one interpreter lock: about one core at most while
    # the analysis waits (the e5 engine, outside the lock, can use the other core).
    busy = costs.cpu_load / max(load.seconds, 1e-9)
    print(
        f"server CPU     {costs.cpu_load:.0f} s during the load ({busy:.2f} cores) + "
        f"{costs.cpu_drain:.0f} s draining = {per_submission:.0f} ms per accepted submission "
        "(API, AWS, analysis)"
    )


def report(rate: float, duration: float, load: LoadResult, drained: DrainResult) -> bool:
    """Prints the figures; True when the target is met."""
    latencies = sorted(o.latency_ms for o in load.outcomes) or [float("nan")]
    errors = sum(load.errors.values())
    met = load.achieved >= ACHIEVED_SHARE * rate and errors == 0 and drained.not_analysed == 0
    print(f"target         {rate:.0f}/s, 0 errors, 0 lost: {'met' if met else 'MISSED'}")
    p50, p95, p99 = (percentile(latencies, share) for share in (0.50, 0.95, 0.99))
    print(
        f"load: offered={rate:.1f}/s achieved={load.achieved:.1f}/s "
        f"accepted={len(load.accepted)} errors={errors} p50_ms={p50:.0f} p95_ms={p95:.0f} "
        f"p99_ms={p99:.0f} not_analysed={drained.not_analysed} drain_s={drained.seconds:.1f} "
        f"target={'met' if met else 'missed'}"
    )
    return met


def bench(args: argparse.Namespace, api_url: str, aws_url: str | None, pid: int | None) -> bool:
    slugs = [slug.strip() for slug in args.communes.split(",") if slug.strip()]
    communes = [load_commune(api_url, slug) for slug in slugs]
    # Agents read threads (admin routes may require a second factor).
    staff = {
        slug: Api(api_url, id_token(api_url, f"agent@{slug}.demo", args.password, aws_url))
        for slug in slugs
    }
    backlog = AnalysisBacklog(aws_url) if aws_url else None
    clock = ProcessClock(pid)
    print(
        f"{args.rate:g} submissions/s for {args.duration:g} s to {', '.join(slugs)} "
        f"({args.concurrency} in flight at most) at {api_url}",
        flush=True,
    )
    load_before, cpu_start = os.getloadavg()[0], clock.seconds()
    load = run_load(api_url, communes, args.rate, args.duration, args.concurrency, backlog)
    cpu_loaded = clock.seconds()
    print_load(args.rate, args.duration, load)
    drained = wait_for_analysis(staff, load.accepted, args.drain, backlog)
    cpu_end = clock.seconds()
    print_drain(drained)
    costs = Costs(
        _difference(cpu_loaded, cpu_start),
        _difference(cpu_end, cpu_loaded),
        (load_before, os.getloadavg()[0]),
    )
    print_costs(load, costs)
    return report(args.rate, args.duration, load, drained)


def _difference(end: float | None, start: float | None) -> float | None:
    return end - start if end is not None and start is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="submissions per second")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight, max")
    parser.add_argument("--communes", default="biot,valbonne", help="slugs, comma-separated")
    parser.add_argument("--drain", type=float, default=300, help="seconds to wait for analysis")
    parser.add_argument("--api", help="a running runtime's API URL (else one is started)")
    parser.add_argument("--aws", help="its embedded AWS URL (Cognito, queue depths)")
    parser.add_argument("--pid", type=int, help="its process id, for its CPU time")
    parser.add_argument("--password", help="the demo staff password (with --api)")
    parser.add_argument("--seed-opinions", action="store_true", help="seed the demo opinions")
    args = parser.parse_args()
    if args.api:
        args.password = args.password or os.environ.get(
            "CONCERTO_DEMO_PASSWORD", "Concerto-Demo-2026!"
        )
        return 0 if bench(args, args.api.rstrip("/"), args.aws, args.pid) else 1
    args.password = PASSWORD
    with embedded_runtime(args.seed_opinions) as (ports, pid):
        api_url = f"http://127.0.0.1:{ports['CONCERTO_API_PORT']}"
        aws_url = f"http://127.0.0.1:{ports['CONCERTO_AWS_PORT']}"
        met = bench(args, api_url, aws_url, pid)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
