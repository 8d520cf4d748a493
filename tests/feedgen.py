#!/usr/bin/env python3
"""feedgen.py — a deterministic multi-day test feed for the reliability tests.

usage: feedgen.py SEED LINES DAYS [--bad]

Writes LINES JSON lines to stdout, spread in time order over DAYS days from
2026-03-01, with what the ordered stages must carry across a restart:
  - re-sends of earlier reports under a new id (duplicates), some hours later;
  - updates: an earlier report with a paragraph appended;
  - an article now and then whose time is a day or two behind the feed
    (it arrives after its day may have been written);
  - the same id sent twice;
  - with --bad, a rejected line now and then (bad JSON, no time).
The text is made of a small vocabulary with numbers and capitalised names,
so reports differ in their facts.  Same arguments, same bytes.
"""
import json
import random
import sys
import time

WORDS = ("the a of to in and said on for with at by from its was will has were "
         "market shares bank rate talks minister government company profit quarter "
         "strike port workers union oil price output crude exports trade deal court "
         "ruling election vote party storm flood rain police fire city council "
         "plan budget tax debt bond yield growth inflation data report agency").split()
NAMES = ("Reuters Acme Rotterdam Berlin Tokyo Mercer Halvorsen Lagos Quito Osaka "
         "Valdez Kestrel Brenner Ortega Nakamura Fischer Dubois Alvarez Petrov").split()
SOURCES = ["Reuters", "AP", "AFP", "dpa", "TASS"]
DAY0 = 1772323200  # 2026-03-01T00:00:00Z


def sentence(r):
    n = r.randint(8, 18)
    out = []
    for i in range(n):
        x = r.random()
        if x < 0.12:
            out.append(r.choice(NAMES))
        elif x < 0.2:
            out.append(str(r.randint(1, 9999)))
        else:
            out.append(r.choice(WORDS))
    s = " ".join(out)
    return s[0].upper() + s[1:] + "."


def main():
    seed, lines, days = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    bad = "--bad" in sys.argv[4:]
    r = random.Random(seed)
    span = days * 86400
    sent = []  # (id, title, body, time) of earlier originals
    for i in range(lines):
        t = DAY0 + (i * span) // lines + r.randint(0, 60)
        x = r.random()
        if bad and x < 0.02:
            print('{"id": "bad-%d", "time": ' % i if r.random() < 0.5 else
                  '{"id": "bad-%d", "title": "no time"}' % i)
            continue
        if sent and x < 0.15:  # a re-send
            oid, title, body, _ = r.choice(sent[-60:])
            art = {"id": "r%d" % i, "time": t, "source": r.choice(SOURCES),
                   "title": title, "body": body}
        elif sent and x < 0.22:  # an update
            oid, title, body, _ = r.choice(sent[-60:])
            art = {"id": "u%d" % i, "time": t, "source": r.choice(SOURCES),
                   "title": "UPDATE 1-" + title,
                   "body": body + " " + " ".join(sentence(r) for _ in range(5))}
        elif sent and x < 0.24:  # the same id again
            oid, title, body, ot = r.choice(sent[-60:])
            art = {"id": oid, "time": t, "source": r.choice(SOURCES), "title": title, "body": body}
        else:
            title = sentence(r)[:-1]
            body = " ".join(sentence(r) for _ in range(r.randint(3, 7)))
            art = {"id": "a%d" % i, "time": t, "source": r.choice(SOURCES),
                   "title": title, "body": body}
            sent.append((art["id"], title, body, t))
        if r.random() < 0.01:  # late: a day or two behind the feed
            art["time"] = t - r.randint(86400, 2 * 86400)
        art["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(art["time"]))
        print(json.dumps(art, separators=(",", ":")))


if __name__ == "__main__":
    main()
