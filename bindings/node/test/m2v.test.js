// The Node binding against the C library: the vectors of Tests/bindings/texts.txt encoded here
// equal bindings/c/stream.c's bytes for the same model, through every path (encode, encodeInto,
// encodeAsync, Buffers, chunks, concurrent async calls); errors carry the C status, name and
// message; close() racing async calls; tokenize against the model's tokenizer; tokenizers.
//
// Run by `make test-node`, which sets M2V_TEST_MODEL (a model folder), M2V_TEST_TEXTS (one text
// per line) and M2V_TEST_EXPECTED (the C program's float32 output for them).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const m2v = require('..');

function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run \`make test-node\` from the repository root (it sets ` +
      'M2V_TEST_MODEL, M2V_TEST_TEXTS and M2V_TEST_EXPECTED and builds the expected bytes)');
  }
  return v;
}

const MODEL = env('M2V_TEST_MODEL');
// Split on '\n' without the empty piece after the last newline; '\r' kept, as stream.c keeps it.
const TEXTS = (() => {
  const lines = fs.readFileSync(env('M2V_TEST_TEXTS'), 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
})();
const EXPECTED = fs.readFileSync(env('M2V_TEST_EXPECTED'));

function bytesOf(rowsOrFlat) {
  if (rowsOrFlat instanceof Float32Array) return Buffer.from(rowsOrFlat.buffer, rowsOrFlat.byteOffset, rowsOrFlat.byteLength);
  return Buffer.concat(rowsOrFlat.map(bytesOf));
}

function assertBytes(got, what) {
  const b = bytesOf(got);
  assert.equal(b.length, EXPECTED.length, `${what}: ${b.length} bytes, the C result has ${EXPECTED.length}`);
  const i = b.findIndex((x, k) => x !== EXPECTED[k]);
  assert.equal(i, -1, `${what}: first differing byte at offset ${i} (float ${i >> 2}, row-major)`);
}

function assertM2VError(fn, code, pattern) {
  assert.throws(fn, (e) => {
    assert.equal(e.code, code, `code ${e.code}: ${e.message}`);
    assert.equal(typeof e.status, 'number');
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test('encode equals the C bytes', () => {
  const model = m2v.StaticModel.fromPretrained(MODEL);
  try {
    const rows = model.encode(TEXTS);
    assert.equal(rows.length, TEXTS.length);
    for (const r of rows) assert.equal(r.length, model.dim);
    assertBytes(rows, 'encode');
    // Rows are views of one buffer, in order.
    assert.equal(rows[1].buffer, rows[0].buffer);
    assert.equal(rows[1].byteOffset, rows[0].byteOffset + model.dim * 4);
  } finally {
    model.close();
  }
});

test('every path gives the same bytes: chunks, encodeInto, Buffers, one string, options spelled out', async () => {
  const model = m2v.StaticModel.fromPretrained(MODEL, { mmap: false });
  const chunks = [];
  for (let i = 0; i < TEXTS.length; i += 3) chunks.push(...model.encode(TEXTS.slice(i, i + 3)));
  assertBytes(chunks, 'chunks of 3');
  const out = new Float32Array(TEXTS.length * model.dim);
  assert.equal(model.encodeInto(out, TEXTS), out);
  assertBytes(out, 'encodeInto');
  assertBytes(model.encode(TEXTS.map((t) => Buffer.from(t, 'utf8'))), 'Buffers');
  assertBytes(model.encode(TEXTS.map((t) => new TextEncoder().encode(t))), 'Uint8Arrays');
  assertBytes(TEXTS.map((t) => model.encode(t)), 'one string at a time');
  assertBytes(model.encode(TEXTS, { threads: 1, batchSize: 2, invalidText: 'error', characterCut: true }), 'threads 1, batch 2');
  assertBytes(model.encode(TEXTS, { threads: 4 }), 'threads 4');
  assertBytes(model.encode(TEXTS, { maxLength: model.maxLength ?? null, normalize: model.normalize }), 'the defaults spelled out');
  assertBytes(await model.encodeAsync(TEXTS), 'encodeAsync');
  model.close();
});

test('concurrent encodeAsync calls and close() while they run', async () => {
  const model = m2v.StaticModel.fromPretrained(MODEL);
  const big = [];
  for (let i = 0; i < 200; i++) big.push(...TEXTS);
  const calls = [];
  for (let i = 0; i < 16; i++) calls.push(model.encodeAsync(i % 2 ? TEXTS : big, { threads: 1 + (i % 3) }));
  model.close(); // the C model is freed after the last call completes
  assertM2VError(() => model.encode(TEXTS), 'M2V_ERR_INVALID_ARGUMENT', /closed/);
  await assert.rejects(model.encodeAsync(TEXTS), (e) => e.code === 'M2V_ERR_INVALID_ARGUMENT');
  const results = await Promise.all(calls);
  results.forEach((rows, i) => {
    if (i % 2) assertBytes(rows, `async call ${i}`);
    else assertBytes(rows.slice(0, TEXTS.length), `async call ${i} (first copy)`);
    if (!(i % 2)) assertBytes(rows.slice(rows.length - TEXTS.length), `async call ${i} (last copy)`);
  });
  model.close(); // idempotent
});

test('errors carry the C status, its name and the message', async () => {
  assertM2VError(() => m2v.StaticModel.fromPretrained('/no/such/model-folder'), 'M2V_ERR_NOT_FOUND', /model-folder/);
  assertM2VError(() => m2v.StaticModel.fromPretrained('no-such-org/no-such-model'), 'M2V_ERR_NOT_FOUND', /cache/);
  try {
    m2v.StaticModel.fromPretrained('/no/such');
  } catch (e) {
    assert.ok(e instanceof Error);
    assert.equal(e.status, 2);
  }
  const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'm2v-node-'));
  try {
    for (const f of ['config.json', 'tokenizer.json']) fs.copyFileSync(path.join(MODEL, f), path.join(bad, f));
    fs.writeFileSync(path.join(bad, 'model.safetensors'), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    assertM2VError(() => m2v.StaticModel.fromPretrained(bad), 'M2V_ERR_FORMAT', /safetensors/);
  } finally {
    fs.rmSync(bad, { recursive: true, force: true });
  }
  const model = m2v.StaticModel.fromPretrained(MODEL);
  const invalid = Buffer.from([0x61, 0xff, 0x62]);
  assertM2VError(() => model.encode(['ok', invalid]), 'M2V_ERR_INVALID_UTF8', /text 1/);
  await assert.rejects(model.encodeAsync(['ok', invalid]), (e) => e.code === 'M2V_ERR_INVALID_UTF8' && /text 1/.test(e.message));
  const status = new Int32Array(2);
  const rows = model.encode(['ok', invalid], { invalidText: 'skip', textStatus: status });
  assert.deepEqual([...status], [0, 8]);
  assert.ok(rows[1].every((x) => x === 0), 'a skipped text is a zero vector');
  const replaced = model.encode([invalid], { invalidText: 'replace' });
  assert.deepEqual(bytesOf(replaced), bytesOf(model.encode(['a\uFFFDb'])));
  // A lone surrogate is written by V8 as U+FFFD.
  assert.deepEqual(bytesOf(model.encode(['x\uD800y'])), bytesOf(model.encode(['x\uFFFDy'])));
  assertM2VError(() => model.encode(['a'], { bogus: 1 }), 'M2V_ERR_INVALID_ARGUMENT', /unknown option 'bogus'/);
  assertM2VError(() => model.encode(['a'], { threads: -1 }), 'M2V_ERR_INVALID_ARGUMENT', /threads/);
  assertM2VError(() => model.encode(['a'], { normalize: 'yes' }), 'M2V_ERR_INVALID_ARGUMENT', /normalize/);
  assertM2VError(() => model.encode(['a'], { invalidText: 'ignore' }), 'M2V_ERR_INVALID_ARGUMENT', /invalidText/);
  assertM2VError(() => model.encode(['a', 5]), 'M2V_ERR_INVALID_ARGUMENT', /texts\[1\]/);
  assertM2VError(() => model.encode(42), 'M2V_ERR_INVALID_ARGUMENT', /texts/);
  assertM2VError(() => model.encode(['a'], { textStatus: new Int32Array(3) }), 'M2V_ERR_INVALID_ARGUMENT', /textStatus/);
  assertM2VError(() => model.encodeInto(new Float32Array(model.dim), ['a', 'b']), 'M2V_ERR_BUFFER_TOO_SMALL');
  assertM2VError(() => model.encodeInto([], ['a']), 'M2V_ERR_INVALID_ARGUMENT', /Float32Array/);
  assertM2VError(() => m2v.StaticModel.fromPretrained('a\0b'), 'M2V_ERR_INVALID_ARGUMENT', /NUL/);
  assertM2VError(() => new m2v.StaticModel(), 'M2V_ERR_INVALID_ARGUMENT', /fromPretrained/);
  model.close();
});

test('zero texts, empty texts, NUL bytes, and normalize off', () => {
  const model = m2v.StaticModel.fromPretrained(MODEL);
  assert.deepEqual(model.encode([]), []);
  assert.deepEqual(model.tokenize([]), []);
  const [empty] = model.encode(['']);
  assert.ok(empty.every((x) => x === 0));
  // A NUL inside a string is a character like any other (the C side gets the length).
  assert.deepEqual(bytesOf(model.encode(['a\0b'])), bytesOf(model.encode([Buffer.from('a\0b')])));
  const raw = model.encode(['hello world'], { normalize: false })[0];
  const norm = model.encode(['hello world'], { normalize: true })[0];
  const n = Math.hypot(...raw);
  raw.forEach((x, i) => assert.ok(Math.abs(x / n - norm[i]) < 1e-6));
  model.close();
});

test('tokenize is the model tokenizer\'s ids without special or unknown tokens; token() names them', () => {
  const model = m2v.StaticModel.fromPretrained(MODEL);
  const tokenizer = m2v.Tokenizer.fromFile(path.join(MODEL, 'tokenizer.json'));
  const short = TEXTS.filter((t) => t.length < 200);
  const ids = model.tokenize(short);
  const hf = tokenizer.encode(short, { addSpecialTokens: false });
  short.forEach((t, i) => assert.deepEqual([...ids[i]], [...hf[i]].filter((id) => id !== model.unkTokenId), t));
  for (const id of ids[0]) assert.equal(model.token(id), tokenizer.idToToken(id));
  assert.equal(model.token(-1), null);
  assert.equal(tokenizer.idToToken(2 ** 31 - 1), null);
  assert.ok(model.tokenize(TEXTS[17], { maxLength: 3 }).length <= 3);
  // encodeAsSequence: per-token rows whose mean is encode without normalization.
  const seq = model.encodeAsSequence(['hello world', 'The quick brown fox']);
  const pooled = model.encode(['hello world', 'The quick brown fox'], { normalize: false });
  seq.forEach((tokens, i) => {
    assert.equal(tokens.length, model.tokenize(['hello world', 'The quick brown fox'][i]).length);
    for (let d = 0; d < model.dim; d++) {
      const mean = tokens.reduce((s, r) => s + r[d], 0) / tokens.length;
      assert.ok(Math.abs(mean - pooled[i][d]) < 1e-5, `text ${i} component ${d}`);
    }
  });
  tokenizer.close();
  model.close();
});

test('Tokenizer: fromFile = fromString, special tokens, truncation and padding, errors', () => {
  const json = fs.readFileSync(path.join(MODEL, 'tokenizer.json'), 'utf8');
  const a = m2v.Tokenizer.fromFile(path.join(MODEL, 'tokenizer.json'));
  const b = m2v.Tokenizer.fromString(json);
  assert.equal(a.vocabSize, b.vocabSize);
  assert.deepEqual(a.encode(TEXTS).map((x) => [...x]), b.encode(TEXTS).map((x) => [...x]));
  const plain = a.encode('hello world', { addSpecialTokens: false });
  const special = a.encode('hello world');
  assert.ok(special.length >= plain.length);
  assert.equal(a.encode(TEXTS[17], { truncation: 5 }).length, 5);
  const padded = a.encode(['a', 'hello world again'], { padding: true, padId: 7, truncation: null });
  assert.equal(padded[0].length, padded[1].length);
  assert.equal(padded[0][padded[0].length - 1], 7);
  assertM2VError(() => m2v.Tokenizer.fromString('{"model": '), 'M2V_ERR_FORMAT');
  assertM2VError(() => m2v.Tokenizer.fromFile('/no/such/tokenizer.json'), 'M2V_ERR_NOT_FOUND');
  assertM2VError(() => a.encode(['x'], { truncationDirection: 'up' }), 'M2V_ERR_INVALID_ARGUMENT', /truncationDirection/);
  a.close();
  assertM2VError(() => a.encode(['x']), 'M2V_ERR_INVALID_ARGUMENT', /closed/);
  b.close();
});

test('version and hubResolve', () => {
  assert.match(m2v.version(), /^\d+\.\d+\.\d+/);
  // package.json's version is m2v.h's M2V_VERSION_STRING (the library is the one source).
  const header = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'include', 'm2v.h'), 'utf8');
  const want = /#define M2V_VERSION_STRING "([^"]+)"/.exec(header)[1];
  assert.equal(require('../package.json').version, want, 'bindings/node/package.json version');
  assert.equal(m2v.version(), want, 'the loaded libm2v is not this checkout\'s');
  assert.equal(m2v.hubResolve(MODEL), MODEL);
  assertM2VError(() => m2v.hubResolve('no-such-org/no-such-model'), 'M2V_ERR_NOT_FOUND');
});

test('models the program forgets are freed by the GC without a crash', { skip: typeof global.gc !== 'function' && 'run with --expose-gc' }, () => {
  for (let i = 0; i < 300; i++) m2v.StaticModel.fromPretrained(MODEL).encode(['hello']);
  global.gc();
  const model = m2v.StaticModel.fromPretrained(MODEL);
  assertBytes(model.encode(TEXTS), 'after collecting 300 models');
});

// Classifiers: model2vec's own predict / predict_proba for the pipelines of Tests/classifiers
// (expected.json, written by model2vec), through Classifier.
test('Classifier: model2vec\'s labels and probabilities for single-label, multi-label and regression pipelines', () => {
  const dir = path.join(__dirname, '..', '..', '..', 'Tests', 'classifiers');
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
  const closeTo = (got, want, what) => {
    assert.equal(got.length, want.length, `${what}: length`);
    for (let j = 0; j < want.length; j++) {
      assert.ok(Math.abs(got[j] - want[j]) <= 1e-4 * Math.max(1, Math.abs(want[j])), `${what}[${j}]: ${got[j]} vs ${want[j]}`);
    }
  };
  for (const [kind, task] of [['single-label', 'single-label'], ['multi-label', 'multi-label'], ['regression', 'regression']]) {
    const c = m2v.Classifier.fromPretrained(path.join(dir, kind));
    const want = expected[kind];
    assert.equal(c.task, task);
    assert.ok(Object.isFrozen(c.classes));
    const got = c.predict(want.texts);
    assert.equal(got.length, want.texts.length);
    if (task === 'regression') {
      assert.deepEqual(c.classes, []);
      assert.equal(c.nOutputs, want.predict[0].length);
      got.forEach((row, i) => closeTo(row, want.predict[i], `${kind} predict ${i}`));
    } else {
      assert.equal(c.nOutputs, c.classes.length);
      assert.deepEqual(got, want.predict, `${kind}: predict = model2vec's`);
      const proba = c.predictProba(want.texts);
      proba.forEach((row, i) => closeTo(row, want.predict_proba[i], `${kind} predict_proba ${i}`));
      // One text in, one result out; the same as in a batch.
      assert.deepEqual(c.predict(want.texts[1]), want.predict[1]);
      closeTo(c.predictProba(want.texts[1]), want.predict_proba[1], `${kind} single text`);
    }
    if (task === 'multi-label') {
      // threshold: 0 predicts every class with a positive probability, 1 none.
      assert.deepEqual(c.predict(want.texts[0], { threshold: 1 }), []);
      assert.deepEqual(c.predict(want.texts[0], { threshold: 0 }), c.classes);
      assertM2VError(() => c.predict(['x'], { threshold: 'high' }), 'M2V_ERR_INVALID_ARGUMENT', /threshold/);
    }
    assertM2VError(() => c.predictProba(['x'], { threshold: 0.5 }), 'M2V_ERR_INVALID_ARGUMENT', /threshold/);
    assertM2VError(() => c.predict([new Uint8Array([0xff])]), 'M2V_ERR_INVALID_UTF8');
    assert.deepEqual(c.predict([]), []);
    c.close();
    c.close();
    assertM2VError(() => c.predict(['x']), 'M2V_ERR_INVALID_ARGUMENT', /classifier is closed/);
  }
  // A plain model is not a pipeline: NOT_FOUND names head.safetensors.
  assertM2VError(() => m2v.Classifier.fromPretrained(path.join(dir, '..', 'no-such-pipeline')), 'M2V_ERR_NOT_FOUND');
});
