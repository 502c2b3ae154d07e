// Shared by the e2e tests: where the server is, where screenshots go, how to read its
// JSON-LD; and, from chromium.mjs, how to start Debian's chromium.
//
// SECFIXES_E2E_URL names a running `secfixes serve` (crates/web/tests/browser.rs starts
// one in-process and sets it); SECFIXES_E2E_ARTIFACTS a directory for screenshots.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export const BASE = (process.env.SECFIXES_E2E_URL ?? '').replace(/\/+$/, '');
if (!BASE) {
  throw new Error('SECFIXES_E2E_URL is not set: start `secfixes serve` and point it there');
}

export const ARTIFACTS = path.resolve(process.env.SECFIXES_E2E_ARTIFACTS ?? 'e2e-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** The URL of a path on the server. */
export const url = (p) => BASE + p;

/** The path of a URL on the server, with its query (the ids JSON-LD gives are absolute). */
export function pathOf(u) {
  const parsed = new URL(u, BASE);
  return parsed.pathname + parsed.search;
}

/** Fetches `p` as JSON-LD; asserts a 200 with the JSON-LD media type. */
export async function getJsonLd(p) {
  const res = await fetch(url(p), { headers: { Accept: 'application/ld+json' } });
  const body = await res.text();
  assert.equal(res.status, 200, `GET ${p} as JSON-LD: ${res.status} ${body.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/ld\+json/, `GET ${p}`);
  return JSON.parse(body);
}

/**
 * What the tests browse, found from the server's own JSON-LD so that no data is
 * hard-coded: the branch with the most open states, and on it a vulnerable state (its
 * CVE and package), a maintainer and the rows of every state.
 */
export async function discover() {
  const index = await getJsonLd('/');
  assert.ok(index.items.length > 0, 'the index lists no branch: the database is empty');
  const open = (t) => t.countVulnerable + t.countPossiblyVulnerable + t.countUnknown;
  const branch = [...index.items].sort((a, b) => open(b) - open(a) || a.tag.localeCompare(b.tag))[0];
  assert.ok(branch.countVulnerable > 0, `no branch has a vulnerable state (best: ${branch.tag})`);
  const tag = branch.tag;
  const all = await getJsonLd(`/branch/${encodeURIComponent(tag)}?state=all&per_page=1000`);
  const vulnerable = all.items.find((s) => s.status === 'vulnerable');
  assert.ok(vulnerable, `no vulnerable state on ${tag}`);
  const maintained = all.items.find((s) => s.maintainer);
  return {
    index,
    branch,
    tag,
    rows: all.items,
    rowsComplete: all.totalItems === all.items.length,
    cve: vulnerable.vuln.split('/vuln/')[1],
    pkg: vulnerable.packageName,
    version: vulnerable.version,
    maintainer: maintained?.maintainer ?? null,
  };
}

export { CHROMIUM, CHROMIUM_ARGS, launch, watchedPage } from './chromium.mjs';
