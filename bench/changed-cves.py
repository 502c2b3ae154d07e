#!/usr/bin/env python3
"""Write an NVD API 2.0 page holding N CVEs of a gen-corpus output, changed.

Used by bench/tracker.sh to measure an incremental update: the CVEs are taken from the
corpus's own pages (by default those that concern packaged software, read from a
tracker database's states, which is the expensive case), each gets a new description,
a later lastModified and, where it has one, a version range end moved up by one patch
level, so that imports see them as changed and states can change too.

usage: changed-cves.py CORPUS_DIR OUT.json [--count N] [--sqlite DB | --postgres URL] [--round N]
"""

import argparse
import gzip
import json
import os
import re
import sqlite3
import subprocess


def bump(version, by):
    """1.2.3 -> 1.2.(3+by); a version not ending in a number gets '.by' appended."""
    m = re.match(r'^(.*?)(\d+)$', version)
    return m.group(1) + str(int(m.group(2)) + by) if m else '%s.%d' % (version, by)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('corpus')
    ap.add_argument('out')
    ap.add_argument('--count', type=int, default=1000)
    ap.add_argument('--sqlite', help='take CVEs that have states in this tracker database')
    ap.add_argument('--postgres', help='the same for a PostgreSQL database (read with psql)')
    ap.add_argument('--round', type=int, default=1,
                    help='a different round changes the CVEs differently (repeated runs)')
    args = ap.parse_args()

    wanted = None
    if args.sqlite:
        db = sqlite3.connect(args.sqlite)
        rows = db.execute("SELECT DISTINCT vuln_id FROM state WHERE vuln_id LIKE 'CVE-%' "
                          "ORDER BY vuln_id").fetchall()
        wanted = {r[0] for r in rows}
    elif args.postgres:
        out = subprocess.run(['psql', args.postgres, '-At', '-c',
                              "SELECT DISTINCT vuln_id FROM state WHERE vuln_id LIKE 'CVE-%'"],
                             check=True, capture_output=True, text=True).stdout
        wanted = set(out.split())
    nvd = os.path.join(args.corpus, 'nvd')
    candidates = []
    for name in sorted(os.listdir(nvd)):
        with gzip.open(os.path.join(nvd, name), 'rt') as f:
            page = json.load(f)
        for item in page['vulnerabilities']:
            cve = item['cve']
            if wanted is not None and cve['id'] not in wanted:
                continue
            if wanted is None and not cve.get('configurations'):
                continue
            candidates.append(item)
    # Evenly spread over the corpus.
    n = min(args.count, len(candidates))
    picked = [candidates[i * len(candidates) // n] for i in range(n)]

    for item in picked:
        cve = item['cve']
        cve['lastModified'] = '2026-03-02T00:00:00.000'
        for d in cve.get('descriptions', []):
            d['value'] += ' (changed for the incremental benchmark, round %d)' % args.round
        for conf in cve.get('configurations', []):
            for node in conf.get('nodes', []):
                for m in node.get('cpeMatch', []):
                    for key in ('versionEndExcluding', 'versionEndIncluding'):
                        if key in m:
                            # Rounds differ, so each run changes the CVEs again.
                            m[key] = bump(m[key], args.round % 5 + 1)

    out = {'resultsPerPage': len(picked), 'startIndex': 0, 'totalResults': len(picked),
           'format': 'NVD_CVE', 'version': '2.0', 'timestamp': '2026-03-02T00:00:00.000',
           'vulnerabilities': picked}
    with open(args.out, 'w') as f:
        json.dump(out, f)
    print('%d CVEs written to %s' % (len(picked), args.out))


if __name__ == '__main__':
    main()
