// SPDX-License-Identifier: Apache-2.0
// Cross-client decoding, npm @confluentinc/schemaregistry side.
// usage: node cross_confluent_schemaregistry.js write|read URL
//   (run by run_client.py, which sets SR_CLIENT_EXCHANGE_DIR)
// write: serializes the shared sample values (Avro, JSON Schema, Protobuf from a protoc
// descriptor set of tests/clients/proto) into $SR_CLIENT_EXCHANGE_DIR/confluent.<format>.bin.
// read: decodes what every client wrote whose wire format this client shares, by the schema
// id in the bytes, and compares with the samples (the same constants as in cross_python.py).
// Prints one line per failed check, ends with "N passed, M failed", exits 1 on any failure.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runner, CROSS } = require('./harness');
const { execFileSync } = require('node:child_process');
const {
  SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer, JsonSerializer, JsonDeserializer,
  ProtobufSerializer, ProtobufDeserializer,
} = require('@confluentinc/schemaregistry');
const { create, createFileRegistry, fromBinary } = require('@bufbuild/protobuf');
const { FileDescriptorSetSchema } = require('@bufbuild/protobuf/wkt');

const [mode, url] = process.argv.slice(2);
const XDIR = process.env.SR_CLIENT_EXCHANGE_DIR;
if (!['write', 'read'].includes(mode) || !url || !XDIR) {
  console.error('usage: SR_CLIENT_EXCHANGE_DIR=DIR node cross_confluent_schemaregistry.js write|read URL');
  process.exit(2);
}
const ME = 'confluent';

const { AVRO_SCHEMA, AVRO_VALUE, JSON_SCHEMA, JSON_VALUE } = CROSS;
// kafkajs writes Protobuf without a message index, so only Confluent-framed bytes are read
const WRITERS = { avro: ['python', 'confluent', 'kafkajs'], json: ['python', 'confluent', 'kafkajs'],
  protobuf: ['python', 'confluent'] };

const newClient = () => new SchemaRegistryClient({ baseURLs: [url], maxRetries: 0, cacheCapacity: 100 });
const file = (writer, fmt) => path.join(XDIR, `${writer}.${fmt}.bin`);

const { step: check, run } = runner();

function protocRegistry() {
  const root = path.join(__dirname, 'proto');
  const files = fs.readdirSync(path.join(root, 'srclients')).filter((f) => f.endsWith('.proto')).sort()
    .map((f) => `srclients/${f}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-cross-protoc-'));
  try {
    const out = path.join(dir, 'set.pb');
    execFileSync('protoc', ['-I', root, '--include_imports', `--descriptor_set_out=${out}`, ...files],
      { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120000 });
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, fs.readFileSync(out)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function checkOrder(back) {
  assert.equal(back.$typeName, 'sr.clients.Order');
  assert.equal(back.id, 'x-1');
  assert.equal(back.total.units, 99n);
  assert.equal(back.total.currency, 'JPY');
  assert.equal(back.at.seconds, 1700000000n);
  assert.equal(back.at.nanos, 7);
  assert.deepEqual(back.lines.map((l) => [l.sku, l.qty]), [['s', 3]]);
  assert.equal(back.status, 2);
}

async function write() {
  await check('write avro', async () => {
    await newClient().register('cross-confluent-avro-value', { schemaType: 'AVRO', schema: AVRO_SCHEMA }, false);
    const ser = new AvroSerializer(newClient(), SerdeType.VALUE, { useLatestVersion: true });
    fs.writeFileSync(file(ME, 'avro'), await ser.serialize('cross-confluent-avro', AVRO_VALUE));
  });
  await check('write json', async () => {
    await newClient().register('cross-confluent-json-value', { schemaType: 'JSON', schema: JSON_SCHEMA }, false);
    const ser = new JsonSerializer(newClient(), SerdeType.VALUE, { useLatestVersion: true, validate: true });
    fs.writeFileSync(file(ME, 'json'), await ser.serialize('cross-confluent-json', JSON_VALUE));
  });
  await check('write protobuf', async () => {
    const reg = protocRegistry();
    const Order = reg.getMessage('sr.clients.Order');
    const msg = create(Order, {
      id: 'x-1', total: { units: 99n, currency: 'JPY' }, at: { seconds: 1700000000n, nanos: 7 },
      lines: [{ sku: 's', qty: 3 }], status: 2,
    });
    const ser = new ProtobufSerializer(newClient(), SerdeType.VALUE, { autoRegisterSchemas: true, registry: reg });
    const bytes = await ser.serialize('cross-confluent-protobuf', msg);
    assert.equal(bytes[5], 0, 'message index [0]');
    fs.writeFileSync(file(ME, 'protobuf'), bytes);
    // Python registered srclients/common.proto first, from its own descriptor: the server
    // must see this client's registration of the same file as the same schema (version 1)
    // (raw GET: this client's getAllVersions does not URL-encode the '/' in the subject)
    const r = await fetch(`${url}/subjects/${encodeURIComponent('srclients/common.proto')}/versions`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), [1], 'versions of srclients/common.proto');
    const latest = await newClient().getLatestSchemaMetadata('cross-confluent-protobuf-value');
    assert.equal(latest.id, bytes.readInt32BE(1));
    assert.deepEqual(latest.references, [{ name: 'srclients/common.proto', subject: 'srclients/common.proto', version: 1 }]);
  });
}

async function read() {
  for (const [fmt, writers] of Object.entries(WRITERS)) {
    for (const writer of writers) {
      await check(`read ${fmt} written by ${writer}`, async () => {
        const bytes = fs.readFileSync(file(writer, fmt));
        assert.equal(bytes[0], 0, 'magic byte');
        if (fmt === 'avro') {
          const back = await new AvroDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('cross-read', bytes);
          assert.deepEqual({ ...back, id: Number(back.id) }, AVRO_VALUE);
        } else if (fmt === 'json') {
          const back = await new JsonDeserializer(newClient(), SerdeType.VALUE, { validate: true })
            .deserialize('cross-read', bytes);
          assert.deepEqual(back, JSON_VALUE);
        } else {
          // nothing but the bytes: the schema and its references come from the registry
          checkOrder(await new ProtobufDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('cross-read', bytes));
        }
      });
    }
  }
}

run(`cross npm @confluentinc/schemaregistry ${mode}`, mode === 'write' ? write : read);
