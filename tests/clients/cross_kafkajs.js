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
const { runner, CROSS } = require('./harness');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

const [mode, url] = process.argv.slice(2);
const XDIR = process.env.SR_CLIENT_EXCHANGE_DIR;
if (!['write', 'read'].includes(mode) || !url || !XDIR) {
  console.error('usage: SR_CLIENT_EXCHANGE_DIR=DIR node cross_kafkajs.js write|read URL');
  process.exit(2);
}
const ME = 'kafkajs';

const { AVRO_SCHEMA, AVRO_VALUE, JSON_SCHEMA, JSON_VALUE } = CROSS;
// Protobuf from python only: the npm @confluentinc client treats google/protobuf/* imports
// as built in and registers no reference for them, and this client's protobufjs parse()
// knows no built-in files, so it cannot resolve google.protobuf.Timestamp in those bytes'
// schema. Python registers timestamp.proto as a subject and references it.
const WRITERS = { avro: ['python', 'confluent', 'kafkajs'], json: ['python', 'confluent', 'kafkajs'],
  protobuf: ['python'] };

const newRegistry = () => new SchemaRegistry({ host: url, retry: { retries: 0 } });
const file = (writer, fmt) => path.join(XDIR, `${writer}.${fmt}.bin`);

const { step: check, run } = runner();

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

run(`cross npm @kafkajs/confluent-schema-registry ${mode}`, mode === 'write' ? write : read);
