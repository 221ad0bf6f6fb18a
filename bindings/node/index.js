// m2v for Node.js: Model2Vec static embeddings through libm2v (include/m2v.h), over the addon
// src/m2v_node.c. This file owns the JavaScript surface only: argument spelling (camelCase
// options, null = "no limit"), rows as Float32Array views, and the classes. Defaults, limits and
// semantics are libm2v's: an option left out is passed as m2v.h's -1 ("the library's default").
'use strict';

const path = require('node:path');

function loadAddon() {
  const candidates = [
    process.env.M2V_NODE_ADDON,
    path.join(__dirname, 'build', 'Release', 'm2v_node.node'),
  ].filter(Boolean);
  let lastError;
  for (const file of candidates) {
    try {
      return require(file);
    } catch (e) {
      lastError = e;
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  const err = new Error(
    `m2v: the native addon was not found (tried ${candidates.join(', ')}); ` +
      'build it with `make node` in the m2v repository, or set M2V_NODE_ADDON');
  err.cause = lastError;
  throw err;
}

const native = loadAddon();

const INVALID_TEXT = { error: 0, replace: 1, skip: 2 };

function argError(message) {
  const e = new Error(message);
  e.code = 'M2V_ERR_INVALID_ARGUMENT';
  e.status = 1;
  return e;
}

function int32(value, name, min) {
  if (!Number.isInteger(value) || value < min || value > 2147483647) {
    throw argError(`${name} must be an integer in ${min} .. 2147483647, got ${value}`);
  }
  return value;
}

// true / false / undefined (the library's default) -> 1 / 0 / -1
function tri(value, name) {
  if (value === undefined) return -1;
  if (typeof value !== 'boolean') throw argError(`${name} must be a boolean, got ${value}`);
  return value ? 1 : 0;
}

// undefined -> -1 (the default), null -> 0 (no limit), n >= 1 -> n
function limit(value, name) {
  if (value === undefined) return -1;
  if (value === null) return 0;
  return int32(value, name, 1);
}

const ENCODE_OPTIONS = new Set([
  'maxLength', 'normalize', 'threads', 'batchSize', 'characterCut', 'invalidText', 'textStatus',
]);

function checkKeys(options, allowed, what) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw argError(`${what} options must be an object`);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      throw argError(`${what}: unknown option '${key}' (known: ${[...allowed].join(', ')})`);
    }
  }
  return options;
}

// m2v_encode_params as the addon reads it: [max_length, normalize, n_threads, batch_size,
// character_cut, invalid_text], -1 = the library's default.
function encodeParams(options) {
  const o = checkKeys(options, ENCODE_OPTIONS, 'encode');
  let invalid = -1;
  if (o.invalidText !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(INVALID_TEXT, o.invalidText)) {
      throw argError(`invalidText must be 'error', 'replace' or 'skip', got ${o.invalidText}`);
    }
    invalid = INVALID_TEXT[o.invalidText];
  }
  return Int32Array.of(
    limit(o.maxLength, 'maxLength'),
    tri(o.normalize, 'normalize'),
    o.threads === undefined ? -1 : int32(o.threads, 'threads', 0),
    o.batchSize === undefined ? -1 : int32(o.batchSize, 'batchSize', 0),
    tri(o.characterCut, 'characterCut'),
    invalid,
  );
}

function textsArg(texts) {
  if (typeof texts === 'string' || texts instanceof Uint8Array) return { list: [texts], single: true };
  if (!Array.isArray(texts)) throw argError('texts must be a string, a Uint8Array or an array of them');
  return { list: texts, single: false };
}

// Row views over one flat buffer (no copy).
function rows(flat, n, dim) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = flat.subarray(i * dim, (i + 1) * dim);
  return out;
}

function ragged(result) {
  const { ids, offsets } = result;
  const n = offsets.length - 1;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = ids.subarray(offsets[i], offsets[i + 1]);
  return out;
}

const LOAD_OPTIONS = new Set(['normalize', 'maxLength', 'mmap']);

/** A model2vec model: model2vec.StaticModel's encode surface over libm2v. */
class StaticModel {
  #handle;

  constructor(handle) {
    if (handle === undefined) throw argError('use StaticModel.fromPretrained(path)');
    this.#handle = handle;
    const info = native.info(handle);
    /** floats per vector */
    this.dim = info.dim;
    /** rows of the table (one more than the largest token id) */
    this.vocabSize = info.vocabSize;
    /** whether encode L2-normalizes by default */
    this.normalize = info.normalize;
    /** encode's default truncation in tokens; null = none */
    this.maxLength = info.maxLength === 0 ? null : info.maxLength;
    this.medianTokenLength = info.medianTokenLength;
    /** id of the unknown token (removed from every tokenization), or -1 */
    this.unkTokenId = info.unkTokenId;
    Object.freeze(this);
  }

  /**
   * Load a model folder, or a hub id ("org/name") already in the local Hugging Face cache.
   * options: { normalize?: boolean, maxLength?: number | null, mmap?: boolean }
   */
  static fromPretrained(pathOrId, options) {
    if (typeof pathOrId !== 'string') throw argError('path must be a string');
    const o = checkKeys(options, LOAD_OPTIONS, 'fromPretrained');
    const params = Int32Array.of(tri(o.normalize, 'normalize'), limit(o.maxLength, 'maxLength'),
      o.mmap === undefined ? -1 : tri(o.mmap, 'mmap'));
    return new StaticModel(native.load(pathOrId, params));
  }

  /** Free the model now (later calls throw M2V_ERR_INVALID_ARGUMENT). Idempotent; an
   * encodeAsync in flight finishes first. Forgotten models are freed by the GC. */
  close() { native.close(this.#handle); }

  /**
   * One Float32Array of dim floats per text (views onto one buffer), model2vec's encode numbers.
   * A single string gives one Float32Array. options: { maxLength, normalize, threads,
   * batchSize, characterCut, invalidText: 'error'|'replace'|'skip', textStatus: Int32Array }.
   */
  encode(texts, options) {
    const t = textsArg(texts);
    const flat = native.encode(this.#handle, t.list, encodeParams(options), undefined,
      options ? options.textStatus : undefined);
    return t.single ? flat : rows(flat, t.list.length, this.dim);
  }

  /** encode's numbers row-major into `out` (a Float32Array of at least texts.length * dim);
   * returns out. Allocates no output. */
  encodeInto(out, texts, options) {
    if (!(out instanceof Float32Array)) throw argError('out must be a Float32Array');
    const t = textsArg(texts);
    return native.encode(this.#handle, t.list, encodeParams(options), out,
      options ? options.textStatus : undefined);
  }

  /** encode on libuv's thread pool: a Promise of the same rows; the JS thread stays free. */
  async encodeAsync(texts, options) {
    const t = textsArg(texts);
    const flat = await native.encodeAsync(this.#handle, t.list, encodeParams(options),
      options ? options.textStatus : undefined);
    return t.single ? flat : rows(flat, t.list.length, this.dim);
  }

  /** One array per text of per-token Float32Arrays (model2vec's encode_as_sequence; no
   * truncation unless maxLength is given). */
  encodeAsSequence(texts, options) {
    const t = textsArg(texts);
    const { vectors, offsets } = native.encodeAsSequence(this.#handle, t.list, encodeParams(options));
    const dim = this.dim;
    const out = new Array(offsets.length - 1);
    for (let i = 0; i < out.length; i++) out[i] = rows(vectors.subarray(offsets[i] * dim, offsets[i + 1] * dim), offsets[i + 1] - offsets[i], dim);
    return t.single ? out[0] : out;
  }

  /** The token ids encode pools, one Int32Array per text (unknown token removed). */
  tokenize(texts, options) {
    const t = textsArg(texts);
    const out = ragged(native.tokenize(this.#handle, t.list, encodeParams(options),
      options ? options.textStatus : undefined));
    return t.single ? out[0] : out;
  }

  /** The string of token `id`, or null. */
  token(id) { return native.token(this.#handle, id); }
}

const TOKENIZER_OPTIONS = new Set([
  'addSpecialTokens', 'truncation', 'truncationDirection', 'padding', 'padLength', 'padId',
  'padToMultipleOf', 'padDirection',
]);

function direction(value, name) {
  if (value === undefined) return -1;
  if (value === 'right') return 0;
  if (value === 'left') return 1;
  throw argError(`${name} must be 'right' or 'left', got ${value}`);
}

/** A Hugging Face tokenizer.json: HF tokenizers' encode_batch ids. */
class Tokenizer {
  #handle;

  constructor(handle) {
    if (handle === undefined) throw argError('use Tokenizer.fromFile(path) or Tokenizer.fromString(json)');
    this.#handle = handle;
    this.vocabSize = native.tokenizerVocabSize(handle);
    Object.freeze(this);
  }

  static fromFile(file) { return new Tokenizer(native.tokenizerLoad(file)); }

  static fromString(json) { return new Tokenizer(native.tokenizerFromString(json)); }

  close() { native.tokenizerClose(this.#handle); }

  /**
   * One Int32Array of ids per text, as HF's encode_batch. options: { addSpecialTokens = true,
   * truncation: number | null, truncationDirection: 'right'|'left', padding: boolean,
   * padLength, padId, padToMultipleOf, padDirection }; left out = as tokenizer.json says.
   */
  encode(texts, options) {
    const t = textsArg(texts);
    const o = checkKeys(options, TOKENIZER_OPTIONS, 'Tokenizer.encode');
    const add = o.addSpecialTokens === undefined ? 1 : tri(o.addSpecialTokens, 'addSpecialTokens');
    const pad = o.padding === undefined ? -1 : (tri(o.padding, 'padding'));
    const params = Int32Array.of(
      add,
      o.truncation === undefined ? -1 : (o.truncation === null ? 0 : int32(o.truncation, 'truncation', 1)),
      direction(o.truncationDirection, 'truncationDirection'),
      pad,
      o.padLength === undefined ? 0 : int32(o.padLength, 'padLength', 0),
      o.padId === undefined ? 0 : int32(o.padId, 'padId', 0),
      o.padToMultipleOf === undefined ? 0 : int32(o.padToMultipleOf, 'padToMultipleOf', 0),
      o.padDirection === undefined ? 0 : direction(o.padDirection, 'padDirection'),
    );
    const out = ragged(native.tokenizerEncode(this.#handle, t.list, params));
    return t.single ? out[0] : out;
  }

  /** The string of token `id` (added tokens included), or null. */
  idToToken(id) { return native.tokenizerToken(this.#handle, id); }
}

const TASKS = ['single-label', 'multi-label', 'regression'];
const PREDICT_OPTIONS = new Set([...ENCODE_OPTIONS, 'threshold']);

function splitPredictOptions(options, what) {
  const o = checkKeys(options, what === 'predict' ? PREDICT_OPTIONS : ENCODE_OPTIONS, what);
  const { threshold, ...encode } = o;
  if (threshold !== undefined && (typeof threshold !== 'number' || Number.isNaN(threshold))) {
    throw argError(`threshold must be a number, got ${threshold}`);
  }
  if (encode.textStatus !== undefined) throw argError(`${what}: textStatus is an encode option only`);
  return { threshold: threshold === undefined ? 0.5 : threshold, params: encodeParams(encode) };
}

/**
 * A model2vec classifier pipeline (model2vec.inference.StaticModelPipeline): a static model
 * whose vectors go through an MLP head. Labels are the pipeline's classes: strings, or numbers
 * for integer labels (as model2vec gives them back).
 */
class Classifier {
  #handle;

  constructor(handle) {
    if (handle === undefined) throw argError('use Classifier.fromPretrained(path)');
    this.#handle = handle;
    const info = native.classifierInfo(handle);
    /** 'single-label' (softmax), 'multi-label' (sigmoid) or 'regression' (identity) */
    this.task = TASKS[info.task];
    /** probabilities (or regression values) per text */
    this.nOutputs = info.nOutputs;
    /** linear layers of the head */
    this.nLayers = info.nLayers;
    /** floats per vector of the encoder */
    this.dim = info.dim;
    /** the labels, in output order ([] for a regression head saved without classes) */
    this.classes = Object.freeze(info.classes.map((c) => {
      if (!c.isInteger) return c.name;
      const n = Number(c.name);
      return Number.isSafeInteger(n) ? n : BigInt(c.name);
    }));
    Object.freeze(this);
  }

  /** Load a pipeline folder (model files + head.safetensors), or a cached hub id. */
  static fromPretrained(pathOrId) {
    if (typeof pathOrId !== 'string') throw argError('path must be a string');
    return new Classifier(native.classifierLoad(pathOrId));
  }

  /** Free the classifier now (later calls throw). Idempotent; forgotten ones are freed by the GC. */
  close() { native.classifierClose(this.#handle); }

  /**
   * model2vec's predict: single-label, one label per text; multi-label, one array of the labels
   * whose probability is above `threshold` (default 0.5) per text; regression, one Float32Array
   * of values per text. A single string gives one result. options: encode's options (maxLength,
   * threads, batchSize, ...) and threshold.
   */
  predict(texts, options) {
    const t = textsArg(texts);
    const { threshold, params } = splitPredictOptions(options, 'predict');
    let out;
    if (this.task === 'regression') {
      out = rows(native.classifierPredictProba(this.#handle, t.list, params), t.list.length, this.nOutputs);
    } else {
      const idx = native.classifierPredict(this.#handle, t.list, params, threshold);
      const classes = this.classes;
      const k = this.nOutputs;
      out = new Array(t.list.length);
      for (let i = 0; i < out.length; i++) {
        if (this.task === 'single-label') {
          out[i] = classes[idx[i]];
        } else {
          const labels = [];
          for (let j = 0; j < k; j++) if (idx[i * k + j]) labels.push(classes[j]);
          out[i] = labels;
        }
      }
    }
    return t.single ? out[0] : out;
  }

  /** model2vec's predict_proba: one Float32Array of nOutputs probabilities (softmax or
   * sigmoid; regression: the values) per text, views onto one buffer. */
  predictProba(texts, options) {
    const t = textsArg(texts);
    const { params } = splitPredictOptions(options, 'predictProba');
    const flat = native.classifierPredictProba(this.#handle, t.list, params);
    return t.single ? flat : rows(flat, t.list.length, this.nOutputs);
  }
}

module.exports = {
  StaticModel,
  Tokenizer,
  Classifier,
  /** libm2v's version string */
  version: native.version,
  /** The local folder of a model path or cached hub id (nothing is downloaded). */
  hubResolve: native.hubResolve,
};
