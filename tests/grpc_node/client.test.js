'use strict';
// A second, independent gRPC client (issue 6): @grpc/grpc-js with @grpc/proto-loader, loading
// api/proto as any Node integrator would, calls OrganizationsService Create, Get, List, Update and
// Delete and compares each answer with REST's for the same row; then the error paths
// (INVALID_ARGUMENT with a google.rpc.BadRequest in grpc-status-details-bin, UNAUTHENTICATED,
// FAILED_PRECONDITION, NOT_FOUND), a deadline, and grpc.health.v1.Health/Check.
//
// Run by tests/integration/test_grpc_node.py, which starts probityd and passes:
//   PROBITY_GRPC_TARGET  host:port of the gRPC listener (cleartext)
//   PROBITY_HTTP_URL     http://host:port of the same server's REST API
//   PROBITY_TOKEN        a global admin's API key
//   PROBITY_SRC          the source tree (for api/proto)
//   PROBITY_NODE_TAG     a tag for this run's request ids and codes (the wrapper checks the
//                        audit trail for it afterwards)
// Node's own test runner; no other dependency than the two packages.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through tests/integration/test_grpc_node.py)`);
  return v;
}

const TARGET = env('PROBITY_GRPC_TARGET');
const HTTP = env('PROBITY_HTTP_URL');
const TOKEN = env('PROBITY_TOKEN');
const SRC = env('PROBITY_SRC');
const TAG = env('PROBITY_NODE_TAG');

const LOAD = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const probityDef = protoLoader.loadSync(
  [path.join(SRC, 'api/proto/probity/v1/organizations.proto'),
    path.join(SRC, 'api/proto/google/rpc/status.proto'),
    path.join(SRC, 'api/proto/google/rpc/error_details.proto')],
  { ...LOAD, includeDirs: [path.join(SRC, 'api/proto'), '/usr/include'] });
const probity = grpc.loadPackageDefinition(probityDef).probity.v1;
const healthDef = protoLoader.loadSync('grpc/health/v1/health.proto',
  { ...LOAD, includeDirs: ['/usr/share/grpc-proto'] });
const health = grpc.loadPackageDefinition(healthDef).grpc.health.v1;

const orgs = new probity.OrganizationsService(TARGET, grpc.credentials.createInsecure());

function md(extra = {}, token = TOKEN) {
  const m = new grpc.Metadata();
  if (token !== null) m.set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(extra)) m.set(k, v);
  return m;
}

// A unary call as a promise of {value, metadata (initial), error}.
function call(client, method, request, metadata = md(), deadlineMs = 20000) {
  return new Promise((resolve) => {
    let initial = null;
    const c = client[method](request, metadata, { deadline: Date.now() + deadlineMs },
      (error, value) => resolve({ error, value, metadata: initial }));
    c.on('metadata', (m) => { initial = m; });
  });
}

async function rest(method, p, body, token = TOKEN) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(HTTP + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, etag: r.headers.get('etag'), json: text ? JSON.parse(text) : null };
}

// A message as proto-loader hands it over, as the JSON REST answers for the same row: the
// descriptor (DescriptorProto) says which fields are one-field oneofs (nullable: null when
// unset), which are Timestamps (REST's string) and which int64 (a string here: a number there).
const TYPES = probityDef;
function toRest(typeName, obj) {
  const desc = TYPES[typeName].type;
  const out = {};
  for (const f of desc.field) {
    const v = obj[f.name];
    const inOneof = f.oneofIndex !== undefined && f.oneofIndex !== null &&
      desc.oneofDecl[f.oneofIndex] && desc.oneofDecl[f.oneofIndex].name === `_${f.name}`;
    if (f.label === 'LABEL_REPEATED') {
      out[f.name] = v.map((x) => value(f, x));
    } else if (inOneof) {
      out[f.name] = obj[`_${f.name}`] === f.name ? value(f, v) : null;
    } else if (f.type === 'TYPE_MESSAGE') {
      out[f.name] = v === null || v === undefined ? null : value(f, v);
    } else {
      out[f.name] = value(f, v);
    }
  }
  return out;
}
function value(f, v) {
  if (f.type === 'TYPE_MESSAGE') {
    const t = f.typeName.replace(/^\./, '');
    if (t === 'google.protobuf.Timestamp') return timestamp(v);
    return toRest(t, v);
  }
  if (f.type === 'TYPE_INT64') return Number(v);
  return v;
}
function timestamp(ts) {
  const ms = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
  assert.equal(ts.nanos % 1e6, 0, 'a Timestamp finer than REST\'s milliseconds');
  return new Date(ms).toISOString();   // 2026-11-22T09:00:00.000Z, as REST renders it
}

// google.rpc.Status → BadRequest field violations, decoded with proto-loader's own descriptors
// would need protobufjs; the wire format of these two small messages is read here instead.
function readFields(buf) {
  const out = [];
  let i = 0;
  const varint = () => {
    let r = 0n; let s = 0n;
    for (;;) { const b = buf[i++]; r |= BigInt(b & 0x7f) << s; s += 7n; if (!(b & 0x80)) return r; }
  };
  while (i < buf.length) {
    const key = Number(varint()); const no = key >> 3; const wt = key & 7;
    if (wt === 0) out.push([no, varint()]);
    else if (wt === 2) { const n = Number(varint()); out.push([no, buf.subarray(i, i + n)]); i += n; }
    else if (wt === 1) { i += 8; } else if (wt === 5) { i += 4; } else throw new Error(`wire type ${wt}`);
  }
  return out;
}
function badRequest(error) {
  const raw = error.metadata.get('grpc-status-details-bin');
  assert.equal(raw.length, 1, 'one grpc-status-details-bin');
  const status = readFields(raw[0]);
  const code = status.find(([n]) => n === 1);
  assert.equal(Number(code[1]), error.code, 'google.rpc.Status.code is grpc-status');
  const violations = [];
  for (const [n, any] of status) {
    if (n !== 3) continue;
    const a = readFields(any);
    const url = a.find(([k]) => k === 1)[1].toString();
    if (!url.endsWith('/google.rpc.BadRequest')) continue;
    for (const [k, fv] of readFields(a.find(([j]) => j === 2)[1])) {
      if (k !== 1) continue;
      const v = Object.fromEntries(readFields(fv).map(([j, b]) => [j, b.toString()]));
      violations.push({ field: v[1], description: v[2] });
    }
  }
  return violations;
}

function orgBody(over = {}) {
  return {
    name: `Node org ${TAG}`, kind: 'budget_institution', jurisdiction: 'KZ', timezone: 'Asia/Almaty',
    locale: 'kk', currency: 'KZT', code: `${TAG}-main`, contact_emails: ['node@example.org'], ...over,
  };
}

test('health Check: SERVING, and NOT_FOUND for an unknown service', async () => {
  const h = new health.Health(TARGET, grpc.credentials.createInsecure());
  const all = await call(h, 'Check', { service: '' }, new grpc.Metadata());
  assert.equal(all.error, null);
  assert.equal(all.value.status, 'SERVING');
  const unknown = await call(h, 'Check', { service: 'no.such.Service' }, new grpc.Metadata());
  assert.equal(unknown.error && unknown.error.code, grpc.status.NOT_FOUND);
  h.close();
});

test('OrganizationsService: Create, Get, List, Update, Delete as REST', async () => {
  const parent = await call(orgs, 'Create', { organization: orgBody({ code: `${TAG}-parent`, name: 'Parent' }) });
  assert.equal(parent.error, null);

  // Create: the answer is the row REST reads back; the etag is REST's ETag
  const created = await call(orgs, 'Create', { organization: orgBody({ parent_id: parent.value.id }) },
    md({ 'x-request-id': `${TAG}-create` }));
  assert.equal(created.error, null, created.error && created.error.details);
  const id = created.value.id;
  let r = await rest('GET', `/v1/organizations/${id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(toRest('probity.v1.Organization', created.value), r.json);
  assert.equal(r.json.code, `${TAG}-main`);
  assert.equal(r.json.parent_id, parent.value.id);
  assert.equal(created.metadata.get('etag')[0], r.etag);

  // Get
  const got = await call(orgs, 'Get', { id });
  assert.equal(got.error, null);
  assert.deepEqual(toRest('probity.v1.Organization', got.value), r.json);
  const etag = got.metadata.get('etag')[0];
  assert.equal(etag, r.etag);

  // List: the parent's children, one a page, following next_page_token; REST's pages alike
  for (let i = 0; i < 2; i++) {
    const sib = await call(orgs, 'Create', {
      organization: orgBody({ parent_id: parent.value.id, code: `${TAG}-sib${i}`, name: `Sibling ${i}` }),
    });
    assert.equal(sib.error, null);
  }
  let token = ''; let pages = 0; const ids = [];
  do {
    const page = await call(orgs, 'List', { parent_id: parent.value.id, page_size: 1, page_token: token });
    assert.equal(page.error, null);
    const rp = await rest('GET', `/v1/organizations?parent_id=${parent.value.id}&limit=1` +
      (token ? `&cursor=${encodeURIComponent(token)}` : ''));
    assert.deepEqual(page.value.items.map((x) => toRest('probity.v1.Organization', x)), rp.json.items);
    assert.equal(page.value.next_page_token, rp.json.next_cursor || '');
    ids.push(...page.value.items.map((x) => x.id));
    token = page.value.next_page_token;
    pages++;
  } while (token && pages < 10);
  assert.equal(ids.length, 3);
  assert.ok(ids.includes(id));

  // Update: the mask names what changes; the etag is the one read
  const renamed = `Renamed ${TAG}`;
  const upd = await call(orgs, 'Update', {
    organization: { id, name: renamed, locale: 'ru' }, update_mask: { paths: ['name'] }, etag,
  }, md({ 'x-request-id': `${TAG}-update` }));
  assert.equal(upd.error, null, upd.error && upd.error.details);
  r = await rest('GET', `/v1/organizations/${id}`);
  assert.deepEqual(toRest('probity.v1.Organization', upd.value), r.json);
  assert.equal(r.json.name, renamed);
  assert.equal(r.json.locale, 'kk', 'a field outside the mask was written');
  assert.equal(r.json.version, 2);

  // the etag read before is stale now
  const stale = await call(orgs, 'Update', {
    organization: { id, name: 'stale' }, update_mask: { paths: ['name'] }, etag,
  });
  assert.equal(stale.error && stale.error.code, grpc.status.FAILED_PRECONDITION);

  // Delete with the current etag; afterwards NOT_FOUND, as REST's 404
  const del = await call(orgs, 'Delete', { id, etag: r.etag }, md({ 'x-request-id': `${TAG}-delete` }));
  assert.equal(del.error, null, del.error && del.error.details);
  assert.deepEqual(del.value, {});
  assert.equal((await rest('GET', `/v1/organizations/${id}`)).status, 404);
  const gone = await call(orgs, 'Get', { id });
  assert.equal(gone.error && gone.error.code, grpc.status.NOT_FOUND);
});

test('INVALID_ARGUMENT carries a google.rpc.BadRequest with REST\'s fields', async () => {
  const body = orgBody({ code: `${TAG}-bad`, timezone: 'Mars/Olympus', kind: 'castle' });
  const res = await call(orgs, 'Create', { organization: body });
  assert.equal(res.error && res.error.code, grpc.status.INVALID_ARGUMENT);
  const violations = badRequest(res.error);
  const r = await rest('POST', '/v1/organizations', body);
  assert.equal(r.status, 422);
  assert.deepEqual(violations.map((v) => v.field).sort(),
    r.json.errors.map((e) => `organization.${e.field}`).sort());
  for (const v of violations) assert.ok(v.description.trim());
});

test('no or a bad authorization: UNAUTHENTICATED', async () => {
  for (const m of [md({}, null), md({}, 'pk_00000000_0000000000000000000000000000000000000000')]) {
    const res = await call(orgs, 'List', { page_size: 1 }, m);
    assert.equal(res.error && res.error.code, grpc.status.UNAUTHENTICATED);
  }
});

test('a deadline: DEADLINE_EXCEEDED, and the channel serves on', async () => {
  const res = await call(orgs, 'List', { page_size: 500 }, md(), 1);
  assert.equal(res.error && res.error.code, grpc.status.DEADLINE_EXCEEDED);
  const ok = await call(orgs, 'List', { page_size: 1 });
  assert.equal(ok.error, null);
  assert.equal(ok.value.items.length, 1);
});

test.after(() => orgs.close());
