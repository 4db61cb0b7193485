// SPDX-License-Identifier: Apache-2.0
// Cross-client decoding, npm @kafkajs/confluent-schema-registry side.
// usage: node cross_kafkajs.js write|read URL   (run by run_client.py, which sets SR_CLIENT_EXCHANGE_DIR)
// write: encodes the shared Avro and JSON Schema samples into
// $SR_CLIENT_EXCHANGE_DIR/kafkajs.<format>.bin. It writes no Protobuf: this client puts no
// message index between the schema id and the message, so Confluent-framed readers cannot
// read its bytes.
// read: decodes what every client wrote (Protobuf: Python's Confluent-framed bytes of the first
// message, index [0], which this client skips) by the schema id in the bytes, resolving
// references in the server's text form, and compares with the samples (the same constants
// as in cross_python.py).
// Prints one line per failed check, ends with "N passed, M failed", exits 1 on any failure.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

const [mode, url] = process.argv.slice(2);
const XDIR = process.env.SR_CLIENT_EXCHANGE_DIR;
if (!['write', 'read'].includes(mode) || !url || !XDIR) {
  console.error('usage: SR_CLIENT_EXCHANGE_DIR=DIR node cross_kafkajs.js write|read URL');
  process.exit(2);
}
const ME = 'kafkajs';

const AVRO_SCHEMA = JSON.stringify({
  type: 'record', name: 'Reading', namespace: 'sr.cross', fields: [
    { name: 'id', type: 'long' }, { name: 'name', type: 'string' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null }, { name: 'score', type: 'double' }],
});
const AVRO_VALUE = { id: 7, name: 'cross', tags: ['a', 'b'], note: 'hi', score: 2.5 };
const JSON_SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'Reading', type: 'object',
  properties: {
    id: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } },
    score: { type: 'number' },
  },
  required: ['id', 'name'],
});
const JSON_VALUE = { id: 7, name: 'cross', tags: ['a', 'b'], score: 2.5 };
// Protobuf from python only: the npm @confluentinc client treats google/protobuf/* imports
// as built in and registers no reference for them, and this client's protobufjs parse()
// knows no built-in files, so it cannot resolve google.protobuf.Timestamp in those bytes'
// schema. Python registers timestamp.proto as a subject and references it.
const WRITERS = { avro: ['python', 'confluent', 'kafkajs'], json: ['python', 'confluent', 'kafkajs'],
  protobuf: ['python'] };

const newRegistry = () => new SchemaRegistry({ host: url, retry: { retries: 0 } });
const file = (writer, fmt) => path.join(XDIR, `${writer}.${fmt}.bin`);

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
  } catch (e) {
    failed++;
    const status = e && e.status ? ` (status ${e.status})` : '';
    console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n').slice(0, 8).join(' | ') : e}${status}`);
  }
}

async function write() {
  await check('write avro', async () => {
    const { id } = await newRegistry().register({ type: SchemaType.AVRO, schema: AVRO_SCHEMA },
      { subject: 'cross-kafkajs-avro-value' });
    fs.writeFileSync(file(ME, 'avro'), await newRegistry().encode(id, AVRO_VALUE));
  });
  await check('write json', async () => {
    const { id } = await newRegistry().register({ type: SchemaType.JSON, schema: JSON_SCHEMA },
      { subject: 'cross-kafkajs-json-value' });
    fs.writeFileSync(file(ME, 'json'), await newRegistry().encode(id, JSON_VALUE));
  });
}

async function read() {
  for (const [fmt, writers] of Object.entries(WRITERS)) {
    for (const writer of writers) {
      await check(`read ${fmt} written by ${writer}`, async () => {
        const bytes = fs.readFileSync(file(writer, fmt));
        assert.equal(bytes[0], 0, 'magic byte');
        const back = await newRegistry().decode(bytes);
        if (fmt === 'avro') {
          assert.deepEqual({ ...back }, AVRO_VALUE);
        } else if (fmt === 'json') {
          assert.deepEqual(back, JSON_VALUE);
        } else {
          assert.equal(back.id, 'x-1');
          assert.equal(Number(back.total.units), 99);
          assert.equal(back.total.currency, 'JPY');
          assert.equal(Number(back.at.seconds), 1700000000);
          assert.equal(back.at.nanos, 7);
          assert.deepEqual(back.lines.map((l) => [l.sku, l.qty]), [['s', 3]]);
          assert.equal(back.status, 2);
        }
      });
    }
  }
}

(mode === 'write' ? write() : read()).then(() => {
  console.log(`cross npm @kafkajs/confluent-schema-registry ${mode}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}, (e) => {
  console.log(`FAIL unexpected: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
