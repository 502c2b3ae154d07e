// The verdict notifications trackers send each other (crates/ldn), through a real JSON-LD
// processor (jsonld.js) in safe mode, with the vocabulary's context as the server serves
// it at /ns/v1: every payload expands without dropping a term or a value, each
// property lands on the IRI docs/LDN.md documents, and the enumerated values (status,
// justification) become IRIs. The payloads are crates/ldn's `vocabulary::examples()`,
// one of every shape, written by crates/web/tests/browser.rs to
// SECFIXES_E2E_NOTIFICATIONS.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import jsonld from 'jsonld';

import { url } from './support.mjs';

const CONTEXT_IRI = 'https://w3id.org/secfixes/v1';
const AS = 'https://www.w3.org/ns/activitystreams#';
const VEX = 'https://openvex.dev/ns/v0.2.0#';
const SF = 'https://w3id.org/secfixes#';

const DIR = process.env.SECFIXES_E2E_NOTIFICATIONS;

let context;

/** The vocabulary's IRI resolves to the server's /ns/v1; nothing else may be loaded. */
async function documentLoader(u) {
  if (u !== CONTEXT_IRI) throw new Error(`the document loader refuses ${u}`);
  return { contextUrl: null, documentUrl: u, document: context };
}

/** Every key below the top (compacted), without JSON-LD keywords. */
function keys(v, out = []) {
  if (Array.isArray(v)) v.forEach((x) => keys(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!k.startsWith('@')) out.push(k);
      keys(x, out);
    }
  }
  return out;
}

describe('verdict notifications in jsonld.js', () => {
  before(async () => {
    const res = await fetch(url('/ns/v1'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/ld\+json/);
    context = await res.json();
  });

  test('every payload expands in safe mode without losing a term', async () => {
    assert.ok(DIR, 'SECFIXES_E2E_NOTIFICATIONS is set by browser.rs');
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
    assert.ok(files.length >= 11, `${files.length} payloads`);
    const seenStatus = new Set();
    const seenJustification = new Set();
    for (const file of files) {
      const doc = JSON.parse(readFileSync(path.join(DIR, file), 'utf8'));
      const expanded = await jsonld.expand(doc, { safe: true, documentLoader });
      assert.equal(expanded.length, 1, file);
      const [activity] = expanded;
      assert.equal(activity['@id'], doc.id, file);
      assert.deepEqual(activity['@type'], [AS + doc.type], file);
      assert.deepEqual(activity[AS + 'actor'], [{ '@id': doc.actor }], file);
      assert.equal(activity[AS + 'published'][0]['@type'], 'http://www.w3.org/2001/XMLSchema#dateTime');
      const [verdict] = activity[AS + 'object'];
      assert.deepEqual(verdict['@type'], [SF + 'Verdict'], file);
      const o = doc.object;
      const status = verdict[VEX + 'status'][0]['@id'];
      assert.equal(status, VEX + o.status, file);
      seenStatus.add(o.status);
      if (o.justification) {
        const j = verdict[VEX + 'justification'][0]['@id'];
        const ns = o.justification === 'different_software' ? SF : VEX;
        assert.equal(j, ns + o.justification, file);
        seenJustification.add(o.justification);
      }
      assert.deepEqual(verdict[SF + 'product'], [{ '@id': o.product }], file);
      for (const term of ['vulnerability', 'package', 'distribution', 'branch', 'upstream', 'fixedVersion', 'rationale']) {
        if (term in o) assert.deepEqual(verdict[SF + term], [{ '@value': o[term] }], `${file}: ${term}`);
      }
      // As many properties expanded as there were terms: none dropped.
      const compactTerms = keys(doc).filter((k) => k !== 'id' && k !== 'type').length;
      const expandedTerms = keys(expanded).filter((k) => k.includes('://')).length;
      assert.equal(expandedTerms, compactTerms, `${file}: ${compactTerms} terms, ${expandedTerms} expanded`);
    }
    assert.deepEqual([...seenStatus].sort(), ['affected', 'fixed', 'not_affected', 'under_investigation']);
    assert.equal(seenJustification.size, 6);
  });
});
