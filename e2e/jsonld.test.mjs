// Every route's JSON-LD through a real JSON-LD processor (jsonld.js) in safe mode, which
// throws whenever a term or value would be dropped in expansion — an undefined term, a
// relative IRI that cannot be resolved, a value that does not fit its term's type.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import jsonld from 'jsonld';

import { BASE, discover, getJsonLd, url } from './support.mjs';

const CONTEXT_URL = url('/static/context.jsonld');
const NS = 'https://alpinelinux.org/ns#';

/** Serves the server's context document and refuses every other URL. */
async function documentLoader(u) {
  if (u !== CONTEXT_URL) {
    throw new Error(`the document loader refuses ${u}: only ${CONTEXT_URL} may be loaded`);
  }
  const res = await fetch(u);
  assert.equal(res.status, 200, `GET ${u}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/ld\+json/);
  return { contextUrl: null, documentUrl: u, document: await res.json() };
}

const expand = (doc) => jsonld.expand(doc, { safe: true, documentLoader });

/** Every value of property `iri` anywhere in an expanded document. */
function valuesOf(expanded, iri) {
  const out = [];
  const walk = (v) => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === iri) out.push(...(Array.isArray(x) ? x : [x]));
        if (k !== '@value') walk(x);
      }
    }
  };
  walk(expanded);
  return out;
}

/** The terms of `doc` (at any depth) that the context does not define. */
function undefinedTerms(doc, context) {
  const defined = new Set(Object.keys(context));
  const found = new Set();
  const walk = (v, json) => {
    if (json) return; // an @json value (an explanation) is a literal, not terms
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, false));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (!k.startsWith('@') && !defined.has(k) && !/^[a-z][a-z0-9+.-]*:/i.test(k)) found.add(k);
        const def = context[k];
        walk(x, def && typeof def === 'object' && def['@type'] === '@json');
      }
    }
  };
  walk(doc, false);
  return [...found].sort();
}

describe('JSON-LD', () => {
  let data;
  let context;

  before(async () => {
    data = await discover();
    const res = await fetch(CONTEXT_URL);
    assert.equal(res.status, 200);
    context = await res.json();
  });

  test('the context document has @context at its top and defines the original terms', () => {
    assert.deepEqual(Object.keys(context), ['@context'], 'the only top-level key is @context');
    const terms = context['@context'];
    for (const t of ['minimumVersion', 'maximumVersion', 'cpeUri', 'packageName', 'vuln', 'state']) {
      assert.ok(t in terms, `the context defines ${t}`);
    }
  });

  test('safe mode fails on a term the context does not define', async () => {
    // The check below is only worth something if an undefined term makes it fail.
    await assert.rejects(
      expand({ '@context': CONTEXT_URL, id: url('/x'), notATermOfOurs: 'dropped' }),
      /safe mode|dropped|invalid property/i,
    );
    await assert.rejects(
      expand({ '@context': 'https://example.org/other-context.jsonld', id: url('/x') }),
      (e) => /refuses/.test(String(e.details?.cause?.message)),
      'the document loader loads nothing but the served context',
    );
  });

  const routes = () => {
    const tag = encodeURIComponent(data.tag);
    const list = [
      '/',
      `/branch/${tag}`,
      `/branch/${tag}?state=all&sort=severity&per_page=50`,
      `/branch/${tag}?state=vulnerable&page=2&per_page=2`,
      `/branch/${tag}/orphaned`,
      `/branch/${tag}/vuln-orphaned`,
      `/branch/${tag}/maintainer-issues`,
      `/vuln/${encodeURIComponent(data.cve)}`,
      `/srcpkg/${encodeURIComponent(data.pkg)}`,
      `/srcpkg/${encodeURIComponent(data.pkg)}/${encodeURIComponent(data.version)}`,
      '/maintainers',
      '/changes',
      `/search?q=${encodeURIComponent(data.pkg)}`,
      `/search?q=${encodeURIComponent(data.cve)}`,
      '/search?q=overflow',
      '/health',
      '/history',
    ];
    if (data.maintainer) {
      list.push(`/maintainer/${encodeURIComponent(data.maintainer)}`);
      list.push(`/branch/${tag}/maintainer-issues?maintainer=${encodeURIComponent(data.maintainer)}`);
    }
    return list;
  };

  test('every route expands in safe mode, keeping its id and type', async (t) => {
    assert.ok(data.maintainer, `no state on ${data.tag} has a maintainer: /maintainer/<m> untested`);
    for (const route of routes()) {
      await t.test(route, async () => {
        const doc = await getJsonLd(route);
        assert.equal(doc['@context'], CONTEXT_URL, `${route}: @context is the served context`);
        const missing = undefinedTerms(doc, context['@context']);
        assert.deepEqual(missing, [], `${route}: terms the context does not define`);
        const expanded = await expand(doc);
        assert.equal(expanded.length, 1, `${route}: one top node`);
        const top = expanded[0];
        assert.ok(top['@id'], `${route}: the top node has an @id`);
        assert.ok(top['@id'].startsWith(BASE + '/'), `${route}: the id ${top['@id']} is on the server`);
        assert.ok(Array.isArray(top['@type']) && top['@type'][0].startsWith(NS), `${route}: typed`);
        if ('items' in doc) {
          const items = top[`${NS}items`] ?? [];
          assert.equal(items.length, doc.items.length, `${route}: every item survives expansion`);
          assert.equal(top[`${NS}totalItems`][0]['@value'], doc.totalItems);
        }
      });
    }
  });

  test('a state keeps its package, CVE, version, status and explanation', async () => {
    const doc = await getJsonLd(`/branch/${encodeURIComponent(data.tag)}?state=vulnerable&per_page=1`);
    assert.equal(doc.items.length, 1);
    const [top] = await expand(doc);
    const [state] = top[`${NS}items`];
    assert.deepEqual(state['@type'], [`${NS}VulnerabilityState`]);
    assert.equal(state[`${NS}status`][0]['@value'], 'vulnerable');
    assert.equal(state[`${NS}packageName`][0]['@value'], doc.items[0].packageName);
    assert.equal(state[`${NS}vuln`][0]['@id'], doc.items[0].vuln);
    assert.equal(state[`${NS}fixed`][0]['@value'], false, 'fixed keeps its value');
    if (doc.items[0].explanation) {
      assert.equal(state[`${NS}explanation`][0]['@type'], '@json');
    }
  });

  test('a CVE with CPE rules keeps minimumVersion, cpeUri and their operators', async () => {
    // The first CVE of the branch whose rules give a lower bound on a CPE.
    const cves = [...new Set(data.rows.map((s) => s.vuln))].slice(0, 200);
    let found = null;
    for (const id of cves) {
      const doc = await getJsonLd(new URL(id).pathname);
      const m = (doc.cpeMatch ?? []).find((r) => r.cpeUri && r.minimumVersion);
      if (m) {
        found = { doc, match: m };
        break;
      }
    }
    assert.ok(found, `none of ${cves.length} CVEs on ${data.tag} has a CPE rule with a minimum version`);
    const expanded = await expand(found.doc);
    const cpeUris = valuesOf(expanded, `${NS}cpeUri`).map((v) => v['@value']);
    const minimums = valuesOf(expanded, `${NS}minimumVersion`).map((v) => v['@value']);
    const ops = valuesOf(expanded, `${NS}minimumVersionOp`).map((v) => v['@value']);
    assert.ok(cpeUris.includes(found.match.cpeUri), `${found.doc.id}: cpeUri kept`);
    assert.ok(minimums.includes(found.match.minimumVersion), `${found.doc.id}: minimumVersion kept`);
    assert.ok(ops.includes(found.match.minimumVersionOp), `${found.doc.id}: minimumVersionOp kept`);
    const matches = valuesOf(expanded, `${NS}cpeMatch`);
    assert.equal(matches.length, found.doc.cpeMatch.length, 'every CPEMatch survives');
    assert.ok(matches.every((m) => m['@id'].startsWith(`${found.doc.id}#cpeMatch/`)));
  });

  test('an unknown CVE is a 404 in JSON too', async () => {
    const res = await fetch(url('/vuln/CVE-1999-99999999'), { headers: { Accept: 'application/ld+json' } });
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /json/);
  });
});
