#!/usr/bin/env python3
"""Sanity checks for the Concerto demo seed data (stdlib only).

Usage: python3 local/seed_data/check.py
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

THEME_IDS = [
    "cadre-de-vie",
    "proprete",
    "voirie-stationnement",
    "transports",
    "securite",
    "environnement",
    "culture-sport",
    "education-jeunesse",
    "urbanisme-logement",
    "services-municipaux",
]
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[a-z0-9]+([.\-][a-z0-9]+)*@example\.org$")
SENTIMENTS = {"NEGATIVE", "POSITIVE", "NEUTRAL", "MIXED"}
CHANNELS = {"web", "email", "form"}
STATUSES = {"new", "in_progress", "answered", "closed"}
OPINION_KEYS = {
    "text",
    "theme",
    "quartier",
    "rating",
    "daysAgo",
    "channel",
    "expectedSentiment",
    "contact",
    "answer",
    "status",
}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def load(name):
    with open(HERE / name, encoding="utf-8") as f:
        return json.load(f)


def check_communes(communes):
    assert isinstance(communes, list) and len(communes) == 2, "expected 2 communes"
    expected = {("06018", "biot", "Biot"), ("06152", "valbonne", "Valbonne")}
    got = {(c["communeId"], c["slug"], c["name"]) for c in communes}
    assert got == expected, f"unexpected communes: {got}"
    for c in communes:
        assert set(c) == {"communeId", "slug", "name", "themes", "quartiers"}, (
            f"{c['slug']}: keys {set(c)}"
        )
        ids = [t["id"] for t in c["themes"]]
        assert ids == THEME_IDS, f"{c['slug']}: theme ids {ids}"
        for t in c["themes"]:
            assert set(t) == {"id", "label", "keywords", "description"}, f"theme keys {set(t)}"
            assert isinstance(t["label"], str) and t["label"].strip()
            assert isinstance(t["description"], str) and len(t["description"]) > 20
            kws = t["keywords"]
            assert 10 <= len(kws) <= 20, f"{t['id']}: {len(kws)} keywords"
            assert len(set(kws)) == len(kws), f"{t['id']}: duplicate keywords"
            for k in kws:
                assert isinstance(k, str) and k == k.lower() and k.strip() == k and k, (
                    f"{t['id']}: bad keyword {k!r}"
                )
        q = c["quartiers"]
        assert 7 <= len(q) <= 10, f"{c['slug']}: {len(q)} quartiers"
        qids = [x["id"] for x in q]
        assert len(set(qids)) == len(qids), f"{c['slug']}: duplicate quartier ids"
        for x in q:
            assert set(x) == {"id", "label"}
            assert SLUG_RE.match(x["id"]), f"bad quartier id {x['id']!r}"
            assert isinstance(x["label"], str) and x["label"].strip()
    return next(c for c in communes if c["slug"] == "biot")


def check_opinions(opinions, biot):
    theme_ids = {t["id"] for t in biot["themes"]}
    quartier_ids = {q["id"] for q in biot["quartiers"]}
    assert isinstance(opinions, list) and len(opinions) == 150, (
        f"expected 150 opinions, got {len(opinions)}"
    )
    texts = set()
    for n, o in enumerate(opinions):
        where = f"opinion #{n}"
        assert isinstance(o, dict) and set(o) == OPINION_KEYS, (
            f"{where}: keys {set(o) ^ OPINION_KEYS}"
        )
        t = o["text"]
        assert isinstance(t, str) and 5 <= len(t) <= 1000 and t.strip() == t, (
            f"{where}: text length {len(t)}"
        )
        assert t not in texts, f"{where}: duplicate text"
        texts.add(t)
        assert o["theme"] in theme_ids, f"{where}: unknown theme {o['theme']}"
        assert o["quartier"] is None or o["quartier"] in quartier_ids, (
            f"{where}: unknown quartier {o['quartier']}"
        )
        assert o["rating"] is None or (is_int(o["rating"]) and 1 <= o["rating"] <= 5), (
            f"{where}: rating"
        )
        assert is_int(o["daysAgo"]) and 0 <= o["daysAgo"] <= 60, f"{where}: daysAgo"
        assert o["channel"] in CHANNELS, f"{where}: channel"
        s = o["expectedSentiment"]
        assert s in SENTIMENTS, f"{where}: sentiment"
        # rating consistent with sentiment
        r = o["rating"]
        if r is not None:
            ok = {"NEGATIVE": r <= 2, "POSITIVE": r >= 4, "NEUTRAL": r == 3, "MIXED": 2 <= r <= 4}[
                s
            ]
            assert ok, f"{where}: rating {r} inconsistent with {s}"
        c = o["contact"]
        if c is not None:
            assert set(c) == {"name", "email"}, f"{where}: contact keys"
            assert isinstance(c["name"], str) and len(c["name"].split()) >= 2, (
                f"{where}: contact name"
            )
            assert EMAIL_RE.match(c["email"]), f"{where}: contact email {c['email']}"
        if o["channel"] == "email":
            assert c is not None, f"{where}: email channel without contact"
        a = o["answer"]
        if a is not None:
            assert set(a) == {"text", "visibility", "afterHours"}, f"{where}: answer keys"
            assert isinstance(a["text"], str) and len(a["text"]) > 30, f"{where}: answer text"
            assert a["visibility"] in {"private", "public"}, f"{where}: visibility"
            assert is_int(a["afterHours"]) and 2 <= a["afterHours"] <= 200, f"{where}: afterHours"
            assert a["afterHours"] <= o["daysAgo"] * 24, f"{where}: answer would be in the future"
            if a["visibility"] == "private":
                assert c is not None, f"{where}: private answer without contact"
            assert o["status"] in {"answered", "closed"}, (
                f"{where}: answered but status {o['status']}"
            )
        else:
            assert o["status"] in {"new", "in_progress"}, (
                f"{where}: no answer but status {o['status']}"
            )
        # no real-looking contact data in free text
        assert not re.search(r"\b0[1-9]([ .]?\d{2}){4}\b", t), f"{where}: phone number in text"
        assert "@" not in t, f"{where}: email address in text"


def pct(n, total):
    return f"{n:3d} ({100 * n / total:4.1f}%)"


def report(opinions):
    total = len(opinions)
    for key in ("theme", "expectedSentiment", "channel", "status"):
        print(f"{key}:")
        for k, v in Counter(o[key] for o in opinions).most_common():
            print(f"  {k:<22} {pct(v, total)}")
    print(f"with contact:  {pct(sum(o['contact'] is not None for o in opinions), total)}")
    print(f"with answer:   {pct(sum(o['answer'] is not None for o in opinions), total)}")
    print(f"with rating:   {pct(sum(o['rating'] is not None for o in opinions), total)}")
    print(f"with quartier: {pct(sum(o['quartier'] is not None for o in opinions), total)}")
    print(f"daysAgo < 14:  {pct(sum(o['daysAgo'] < 14 for o in opinions), total)}")


def main():
    communes = load("communes.json")
    biot = check_communes(communes)
    opinions = load("biot_opinions.json")
    check_opinions(opinions, biot)
    report(opinions)
    print("OK: communes.json and biot_opinions.json are valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
