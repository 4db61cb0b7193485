// SPDX-License-Identifier: Apache-2.0
// npm @kafkajs/confluent-schema-registry (pinned in package.json) against the registry,
// unchanged: register (with its GET /config 404 => first registration => PUT /config dance),
// references, encode/decode in Confluent's wire format, id lookups by subject, version and
// schema, and its compatibility option; Protobuf in text form (imports as references,
// messageName for nested and second messages) and JSON Schema (validation, $ref references).
// usage: node kafkajs_schema_registry.js URL
// Prints one line per failed check, ends with "N passed, M failed", exits 1 on any failure.
'use strict';

const assert = require('node:assert/strict');
const { runner } = require('./harness');
const { SchemaRegistry, SchemaType, COMPATIBILITY } = require('@kafkajs/confluent-schema-registry');

const url = process.argv[2];
if (!url) {
  console.error('usage: node kafkajs_schema_registry.js URL');
  process.exit(2);
}

// retries: 0 so that a server error fails at once instead of being retried with backoff
const newRegistry = () => new SchemaRegistry({ host: url, retry: { retries: 0 } });

const ADDRESS = JSON.stringify({
  type: 'record', name: 'Address', namespace: 'com.kjs',
  fields: [{ name: 'street', type: 'string' }, { name: 'zip', type: 'int' }],
});
const CUSTOMER = JSON.stringify({
  type: 'record', name: 'Customer', namespace: 'com.kjs',
  fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'com.kjs.Address' }],
});
const ITEM_V1 = JSON.stringify({
  type: 'record', name: 'Item', namespace: 'com.kjs',
  fields: [{ name: 'sku', type: 'string' }],
});
const ITEM_V2 = JSON.stringify({
  type: 'record', name: 'Item', namespace: 'com.kjs',
  fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int', default: 1 }],
});
const ITEM_BAD = JSON.stringify({
  type: 'record', name: 'Item', namespace: 'com.kjs',
  fields: [{ name: 'sku', type: 'long' }],
});

const state = {};
const { step, run } = runner();

async function rawGet(path) {
  const r = await fetch(url + path);
  return { status: r.status, body: await r.json() };
}

async function main() {
  const registry = newRegistry();

  await step('first registration: GET /config 404, register, PUT /config', async () => {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: ITEM_V1 }, { subject: 'items-value' });
    assert.ok(Number.isInteger(id) && id > 0, `id ${id}`);
    state.item1 = id;
    const cfg = await rawGet('/config/items-value');
    assert.equal(cfg.status, 200);
    assert.equal(cfg.body.compatibilityLevel, 'BACKWARD', 'kafkajs PUTs its default BACKWARD after a 40408');
  });

  await step('second registration of the same schema returns the same id', async () => {
    const { id } = await newRegistry().register({ type: SchemaType.AVRO, schema: ITEM_V1 }, { subject: 'items-value' });
    assert.equal(id, state.item1);
  });

  await step('compatibility option: mismatch with the stored level is refused by the client', async () => {
    await assert.rejects(
      newRegistry().register({ type: SchemaType.AVRO, schema: ITEM_V2 },
        { subject: 'items-value', compatibility: COMPATIBILITY.FULL }),
      (e) => /Compatibility does not match/.test(e.message));
  });

  await step('compatible evolution registers; incompatible one is rejected with 409', async () => {
    const r = newRegistry();
    const { id } = await r.register({ type: SchemaType.AVRO, schema: ITEM_V2 }, { subject: 'items-value' });
    assert.notEqual(id, state.item1);
    state.item2 = id;
    await assert.rejects(
      r.register({ type: SchemaType.AVRO, schema: ITEM_BAD }, { subject: 'items-value' }),
      (e) => e.status === 409 || /40901|incompatible/i.test(e.message));
  });

  await step('compatibility option on a new subject sets that level', async () => {
    await newRegistry().register({ type: SchemaType.AVRO, schema: ITEM_BAD },
      { subject: 'loose-value', compatibility: COMPATIBILITY.NONE });
    const cfg = await rawGet('/config/loose-value');
    assert.equal(cfg.body.compatibilityLevel, 'NONE');
    const { id } = await newRegistry().register({ type: SchemaType.AVRO, schema: ITEM_V1 },
      { subject: 'loose-value', compatibility: COMPATIBILITY.NONE });
    assert.equal(id, state.item1, 'identical schema in another subject reuses the id');
  });

  await step('getRegistryId, getLatestSchemaId, getRegistryIdBySchema', async () => {
    const r = newRegistry();
    assert.equal(await r.getRegistryId('items-value', 1), state.item1);
    assert.equal(await r.getRegistryId('items-value', 'latest'), state.item2);
    assert.equal(await r.getLatestSchemaId('items-value'), state.item2);
    assert.equal(await r.getRegistryIdBySchema('items-value', { type: SchemaType.AVRO, schema: ITEM_V1 }),
      state.item1);
  });

  await step('encode / decode in the wire format', async () => {
    const buf = await newRegistry().encode(state.item2, { sku: 'A-1', qty: 5 });
    assert.equal(buf[0], 0, 'magic byte');
    assert.equal(buf.readInt32BE(1), state.item2, 'schema id');
    const back = await newRegistry().decode(buf);
    assert.deepEqual({ ...back }, { sku: 'A-1', qty: 5 });
  });

  await step('decode old data with a reader schema', async () => {
    const buf = await newRegistry().encode(state.item1, { sku: 'old' });
    const reader = newRegistry();
    const readerSchema = await reader.getSchema(state.item2);
    const back = await reader.decode(buf, { [SchemaType.AVRO]: { readerSchema } });
    assert.deepEqual({ ...back }, { sku: 'old', qty: 1 });
  });

  await step('references: record using a type registered under another subject', async () => {
    const r = newRegistry();
    const addr = await r.register({ type: SchemaType.AVRO, schema: ADDRESS }, { subject: 'kjs-address' });
    const references = [{ name: 'com.kjs.Address', subject: 'kjs-address', version: 1 }];
    const cust = await r.register({ type: SchemaType.AVRO, schema: CUSTOMER, references },
      { subject: 'kjs-customer' });
    assert.notEqual(cust.id, addr.id);
    state.customer = cust.id;
    const v = await rawGet('/subjects/kjs-customer/versions/1');
    assert.deepEqual(v.body.references, references);
    const payload = { name: 'Grace', home: { street: 'Elm', zip: 10001 } };
    const buf = await newRegistry().encode(cust.id, payload);
    assert.equal(buf.readInt32BE(1), cust.id);
    // a fresh instance must fetch the schema by id and its references by subject/version
    const back = await newRegistry().decode(buf);
    assert.equal(back.name, 'Grace');
    assert.deepEqual({ ...back.home }, payload.home);
  });

  const types = await (await fetch(`${url}/schemas/types`)).json();

  await step('PROTOBUF: register text, encode, decode from the text the server returns', async () => {
    if (!types.includes('PROTOBUF')) {
      console.log('  (PROTOBUF not listed in /schemas/types: skipped)');
      return;
    }
    const schema = `syntax = "proto3";
package kjs;

message Reading {
  string sensor = 1;
  double value = 2;
  repeated string labels = 3;
  Kind kind = 4;
  enum Kind {
    KIND_UNSPECIFIED = 0;
    TEMPERATURE = 1;
  }
}
`;
    const { id } = await newRegistry().register({ type: SchemaType.PROTOBUF, schema }, { subject: 'kjs-readings' });
    const payload = { sensor: 's1', value: 2.5, labels: ['x', 'y'], kind: 1 };
    const buf = await newRegistry().encode(id, payload);
    assert.equal(buf.readInt32BE(1), id);
    // a fresh instance fetches the server's canonical text and must be able to parse it
    const back = await newRegistry().decode(buf);
    assert.equal(back.sensor, 's1');
    assert.equal(back.value, 2.5);
    assert.deepEqual([...back.labels], ['x', 'y']);
    assert.equal(back.kind, 1);
  });

  await step('JSON: register, encode with validation, decode', async () => {
    if (!types.includes('JSON')) {
      console.log('  (JSON not listed in /schemas/types: skipped)');
      return;
    }
    const schema = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#', type: 'object',
      properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } }, required: ['sku'],
    });
    const { id } = await newRegistry().register({ type: SchemaType.JSON, schema }, { subject: 'kjs-json' });
    const buf = await newRegistry().encode(id, { sku: 'z', qty: 2 });
    assert.deepEqual(await newRegistry().decode(buf), { sku: 'z', qty: 2 });
    await assert.rejects(newRegistry().encode(id, { qty: 0 }));
  });

  await step('PROTOBUF: import of another subject (references) and messageName for a nested message', async () => {
    if (!types.includes('PROTOBUF')) {
      console.log('  (PROTOBUF not listed in /schemas/types: skipped)');
      return;
    }
    const money = `syntax = "proto3";
package kjs.shop;

message Money {
  int64 units = 1;
  string currency = 2;
}
`;
    const order = `syntax = "proto3";
package kjs.shop;

import "kjs/money.proto";

message Order {
  string id = 1;
  Money total = 2;
  repeated Line lines = 3;

  message Line {
    string sku = 1;
    int32 qty = 2;
  }
}

message Receipt {
  string order_id = 1;
  Money paid = 2;
}
`;
    const r = newRegistry();
    const m = await r.register({ type: SchemaType.PROTOBUF, schema: money }, { subject: 'kjs-money' });
    const references = [{ name: 'kjs/money.proto', subject: 'kjs-money', version: 1 }];
    const o = await r.register({ type: SchemaType.PROTOBUF, schema: order, references }, { subject: 'kjs-orders' });
    assert.notEqual(o.id, m.id);
    const v = await rawGet('/subjects/kjs-orders/versions/latest');
    assert.equal(v.body.schemaType, 'PROTOBUF');
    assert.deepEqual(v.body.references, references);
    assert.match(v.body.schema, /import "kjs\/money.proto";/);
    // registering the same text and references again gives the same id (getRegistryIdBySchema
    // is not usable here: this client drops `references` from the lookup body, and the server
    // then answers 422/42201 for the unresolvable import, as Confluent's does)
    const again = await newRegistry().register({ type: SchemaType.PROTOBUF, schema: order, references },
      { subject: 'kjs-orders' });
    assert.equal(again.id, o.id);
    // default: the first message of the file; a fresh instance resolves the import from
    // the referenced subject in the server's text form
    const payload = { id: 'k-1', total: { units: 12, currency: 'SEK' }, lines: [{ sku: 'p', qty: 4 }] };
    const buf = await newRegistry().encode(o.id, payload);
    assert.equal(buf.readInt32BE(1), o.id);
    const back = await newRegistry().decode(buf);
    assert.equal(back.id, 'k-1');
    assert.equal(Number(back.total.units), 12);
    assert.equal(back.total.currency, 'SEK');
    assert.equal(back.lines[0].sku, 'p');
    assert.equal(back.lines[0].qty, 4);
    // messageName picks a nested or a second message of the same registered file
    const lineReg = () => new SchemaRegistry({ host: url, retry: { retries: 0 } },
      { [SchemaType.PROTOBUF]: { messageName: 'Order.Line' } });
    const lineBuf = await lineReg().encode(o.id, { sku: 'n', qty: 7 });
    assert.deepEqual({ ...(await lineReg().decode(lineBuf)) }, { sku: 'n', qty: 7 });
    const receiptReg = () => new SchemaRegistry({ host: url, retry: { retries: 0 } },
      { [SchemaType.PROTOBUF]: { messageName: 'Receipt' } });
    const recBuf = await receiptReg().encode(o.id, { orderId: 'k-1', paid: { units: 3, currency: 'SEK' } });
    const rec = await receiptReg().decode(recBuf);
    assert.equal(rec.orderId, 'k-1');
    assert.equal(rec.paid.currency, 'SEK');
    // a payload that does not fit the message is refused before anything is written
    await assert.rejects(newRegistry().encode(o.id, { id: 5 }));
  });

  await step('JSON: $ref to a schema registered under another subject (references)', async () => {
    if (!types.includes('JSON')) {
      console.log('  (JSON not listed in /schemas/types: skipped)');
      return;
    }
    const address = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://example.com/kjs/address.json',
      type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
      required: ['street', 'zip'],
    });
    const person = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#', type: 'object',
      properties: { name: { type: 'string' }, home: { $ref: 'https://example.com/kjs/address.json' } },
      required: ['name', 'home'],
    });
    const r = newRegistry();
    const a = await r.register({ type: SchemaType.JSON, schema: address }, { subject: 'kjs-json-address' });
    const references = [{ name: 'https://example.com/kjs/address.json', subject: 'kjs-json-address', version: 1 }];
    const p = await r.register({ type: SchemaType.JSON, schema: person, references }, { subject: 'kjs-json-person' });
    assert.notEqual(p.id, a.id);
    const v = await rawGet('/subjects/kjs-json-person/versions/1');
    assert.equal(v.body.schemaType, 'JSON');
    assert.deepEqual(v.body.references, references);
    const payload = { name: 'Lin', home: { street: 'Oak', zip: '01234' } };
    const buf = await newRegistry().encode(p.id, payload);
    assert.equal(buf.readInt32BE(1), p.id);
    assert.deepEqual(JSON.parse(buf.subarray(5).toString()), payload);
    assert.deepEqual(await newRegistry().decode(buf), payload);
    // the referenced schema's constraints apply: a bad zip is refused
    await assert.rejects(newRegistry().encode(p.id, { name: 'Lin', home: { street: 'Oak', zip: 'x' } }));
  });

  await step('unknown id and subject errors carry status 404', async () => {
    await assert.rejects(newRegistry().getSchema(424242), (e) => e.status === 404);
    await assert.rejects(newRegistry().getLatestSchemaId('no-such-subject'), (e) => e.status === 404);
  });

}

run('npm @kafkajs/confluent-schema-registry', main);
