// SPDX-License-Identifier: Apache-2.0
// npm @confluentinc/schemaregistry (pinned in package.json) against the registry, unchanged:
// client register/lookup/get calls, references, compatibility and config, and the Avro,
// Protobuf (@bufbuild/protobuf descriptors, also from a protoc descriptor set of
// tests/clients/proto) and JSON Schema serializers/deserializers in Confluent's wire format
// (no Kafka broker needed).
// usage: node confluent_schemaregistry.js URL
// Prints one line per failed check, ends with "N passed, M failed", exits 1 on any failure.
'use strict';

const assert = require('node:assert/strict');
const { runner } = require('./harness');
const {
  SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType, Compatibility, RestError,
} = require('@confluentinc/schemaregistry');

const url = process.argv[2];
if (!url) {
  console.error('usage: node confluent_schemaregistry.js URL');
  process.exit(2);
}

// No retries: a deterministic server error must show up as a failure, not be retried.
const newClient = () => new SchemaRegistryClient({ baseURLs: [url], maxRetries: 0, cacheCapacity: 100 });

const ADDRESS = JSON.stringify({
  type: 'record', name: 'Address', namespace: 'com.acme',
  fields: [{ name: 'street', type: 'string' }, { name: 'zip', type: 'int' }],
});
const ORDER = JSON.stringify({
  type: 'record', name: 'Order', namespace: 'com.acme',
  fields: [{ name: 'id', type: 'long' }, { name: 'ship_to', type: 'com.acme.Address' }],
});
const PAY_V1 = JSON.stringify({
  type: 'record', name: 'Payment', namespace: 'npm.test',
  fields: [{ name: 'amount', type: 'double' }, { name: 'currency', type: 'string' }],
});
const PAY_V2 = JSON.stringify({
  type: 'record', name: 'Payment', namespace: 'npm.test',
  fields: [{ name: 'amount', type: 'double' }, { name: 'currency', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null }],
});
const PAY_BAD = JSON.stringify({
  type: 'record', name: 'Payment', namespace: 'npm.test',
  fields: [{ name: 'amount', type: 'string' }],
});

const state = {};
const { step, run } = runner((e) => (e instanceof RestError ? ` (status ${e.status}, error_code ${e.errorCode})` : ''));

async function expectRestError(promise, status, errorCode) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof RestError, `expected a RestError, got ${e}`);
    assert.equal(e.status, status, `status of ${e.message}`);
    assert.equal(e.errorCode, errorCode, `error_code of ${e.message}`);
    return;
  }
  assert.fail(`expected error ${errorCode}, got success`);
}

const sameSchema = (a, b) => assert.deepEqual(JSON.parse(a), JSON.parse(b));

// protoc --descriptor_set_out --include_imports over tests/clients/proto/srclients/*.proto,
// run at test time into a temporary directory; returns the decoded FileDescriptorSet.
function protocDescriptorSet() {
  const { execFileSync } = require('node:child_process');
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { fromBinary } = require('@bufbuild/protobuf');
  const { FileDescriptorSetSchema } = require('@bufbuild/protobuf/wkt');
  const root = path.join(__dirname, 'proto');
  const files = fs.readdirSync(path.join(root, 'srclients')).filter((f) => f.endsWith('.proto')).sort()
    .map((f) => `srclients/${f}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-clients-protoc-'));
  try {
    const out = path.join(dir, 'set.pb');
    execFileSync('protoc', ['-I', root, '--include_imports', `--descriptor_set_out=${out}`, ...files],
      { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120000 });
    return fromBinary(FileDescriptorSetSchema, fs.readFileSync(out));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const client = newClient();

  await step('register and getBySubjectAndId', async () => {
    const id = await client.register('payments-value', { schemaType: 'AVRO', schema: PAY_V1 }, false);
    assert.ok(Number.isInteger(id) && id > 0, `id ${id}`);
    state.pay1 = id;
    const info = await newClient().getBySubjectAndId('payments-value', id);
    sameSchema(info.schema, PAY_V1);
  });

  await step('registerFullResponse returns id, version and guid', async () => {
    const md = await newClient().registerFullResponse('payments-value', { schemaType: 'AVRO', schema: PAY_V1 }, false);
    assert.equal(md.id, state.pay1);
    assert.equal(md.version, 1);
    if (md.guid !== undefined) {
      const byGuid = await newClient().getByGuid(md.guid);
      sameSchema(byGuid.schema, PAY_V1);
    }
  });

  await step('getId and getVersion (lookup)', async () => {
    const c = newClient();
    assert.equal(await c.getId('payments-value', { schemaType: 'AVRO', schema: PAY_V1 }, false), state.pay1);
    assert.equal(await c.getVersion('payments-value', { schemaType: 'AVRO', schema: PAY_V1 }, false, false), 1);
    await expectRestError(c.getId('payments-value', { schemaType: 'AVRO', schema: ADDRESS }, false), 404, 40403);
  });

  await step('getLatestSchemaMetadata, getSchemaMetadata, getAllVersions, getAllSubjects', async () => {
    const c = newClient();
    const latest = await c.getLatestSchemaMetadata('payments-value');
    assert.equal(latest.id, state.pay1);
    assert.equal(latest.version, 1);
    sameSchema(latest.schema, PAY_V1);
    const v1 = await c.getSchemaMetadata('payments-value', 1, false);
    assert.equal(v1.id, state.pay1);
    assert.deepEqual(await c.getAllVersions('payments-value'), [1]);
    assert.ok((await c.getAllSubjects()).includes('payments-value'));
  });

  await step('compatibility config through updateCompatibility/getCompatibility', async () => {
    const c = newClient();
    await expectRestError(c.getCompatibility('payments-value'), 404, 40408);
    assert.equal(await c.updateCompatibility('payments-value', Compatibility.FULL), Compatibility.FULL);
    assert.equal(await c.getCompatibility('payments-value'), Compatibility.FULL);
    assert.equal(await c.updateDefaultCompatibility(Compatibility.FORWARD), Compatibility.FORWARD);
    assert.equal(await c.getDefaultCompatibility(), Compatibility.FORWARD);
    assert.equal(await c.updateDefaultCompatibility(Compatibility.BACKWARD), Compatibility.BACKWARD);
  });

  await step('updateConfig/getConfig', async () => {
    const c = newClient();
    const put = await c.updateConfig('cfg-only', { compatibility: Compatibility.NONE });
    assert.equal(put.compatibility, Compatibility.NONE);
    const got = await c.getConfig('cfg-only');
    assert.equal(got.compatibilityLevel, Compatibility.NONE);
    const def = await c.getDefaultConfig();
    assert.equal(def.compatibilityLevel, Compatibility.BACKWARD);
  });

  await step('testCompatibility and testSubjectCompatibility', async () => {
    const c = newClient();
    assert.equal(await c.testSubjectCompatibility('payments-value', { schemaType: 'AVRO', schema: PAY_V2 }), true);
    assert.equal(await c.testSubjectCompatibility('payments-value', { schemaType: 'AVRO', schema: PAY_BAD }), false);
    assert.equal(await c.testCompatibility('payments-value', 1, { schemaType: 'AVRO', schema: PAY_V2 }), true);
    assert.equal(await c.testCompatibility('payments-value', 1, { schemaType: 'AVRO', schema: PAY_BAD }), false);
  });

  await step('register an incompatible schema fails with 40901', async () => {
    await expectRestError(newClient().register('payments-value', { schemaType: 'AVRO', schema: PAY_BAD }, false),
      409, 40901);
  });

  await step('references: Avro record using a type from another subject', async () => {
    const c = newClient();
    state.addr = await c.register('com.acme.Address', { schemaType: 'AVRO', schema: ADDRESS }, false);
    const refs = [{ name: 'com.acme.Address', subject: 'com.acme.Address', version: 1 }];
    state.order = await c.register('orders-value', { schemaType: 'AVRO', schema: ORDER, references: refs }, false);
    assert.notEqual(state.order, state.addr);
    const info = await newClient().getBySubjectAndId('orders-value', state.order);
    assert.deepEqual(info.references, refs);
    const latest = await newClient().getLatestSchemaMetadata('orders-value');
    assert.deepEqual(latest.references, refs);
    assert.equal(await newClient().getId('orders-value',
      { schemaType: 'AVRO', schema: ORDER, references: refs }, false), state.order);
  });

  await step('AvroSerializer (useLatestVersion) / AvroDeserializer with references', async () => {
    const ser = new AvroSerializer(newClient(), SerdeType.VALUE, { useLatestVersion: true });
    const msg = { id: 42, ship_to: { street: 'Main St', zip: 12345 } };
    const bytes = await ser.serialize('orders', msg);
    assert.equal(bytes[0], 0, 'magic byte');
    assert.equal(bytes.readInt32BE(1), state.order, 'schema id in the wire format');
    const de = new AvroDeserializer(newClient(), SerdeType.VALUE, {});
    const back = await de.deserialize('orders', bytes);
    assert.equal(Number(back.id), 42);
    assert.deepEqual({ ...back.ship_to }, msg.ship_to);
  });

  await step('AvroSerializer (useSchemaId) / AvroDeserializer', async () => {
    const ser = new AvroSerializer(newClient(), SerdeType.VALUE, { useSchemaId: state.pay1 });
    const bytes = await ser.serialize('payments', { amount: 9.5, currency: 'EUR' });
    assert.equal(bytes.readInt32BE(1), state.pay1);
    const back = await new AvroDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('payments', bytes);
    assert.deepEqual({ ...back }, { amount: 9.5, currency: 'EUR' });
  });

  await step('AvroSerializer (autoRegisterSchemas) registers under the topic subject', async () => {
    const c = newClient();
    const ser = new AvroSerializer(c, SerdeType.KEY, { autoRegisterSchemas: true });
    const bytes = await ser.serialize('clicks', { page: 'home', count: 3 });
    assert.ok((await newClient().getAllSubjects()).includes('clicks-key'));
    const latest = await newClient().getLatestSchemaMetadata('clicks-key');
    assert.equal(bytes.readInt32BE(1), latest.id);
    const back = await new AvroDeserializer(newClient(), SerdeType.KEY, {}).deserialize('clicks', bytes);
    assert.deepEqual({ ...back }, { page: 'home', count: 3 });
  });

  await step('register v2 under FULL, then delete versions and subjects', async () => {
    const c = newClient();
    const id2 = await c.register('payments-value', { schemaType: 'AVRO', schema: PAY_V2 }, false);
    assert.notEqual(id2, state.pay1);
    assert.deepEqual(await c.getAllVersions('payments-value'), [1, 2]);
    assert.equal(await c.deleteSubjectVersion('payments-value', 2, false), 2);
    assert.deepEqual(await newClient().getAllVersions('payments-value'), [1]);
    await c.register('scratch-value', { schemaType: 'AVRO', schema: PAY_V1 }, false);
    assert.deepEqual(await c.deleteSubject('scratch-value', false), [1]);
    assert.deepEqual(await c.deleteSubject('scratch-value', true), [1]);
    assert.ok(!(await newClient().getAllSubjects()).includes('scratch-value'));
    // soft-deleted schema is still readable by id (consumers must decode old data)
    const info = await newClient().getBySubjectAndId('payments-value', id2);
    sameSchema(info.schema, PAY_V2);
  });

  await step('unknown id and subject errors', async () => {
    await expectRestError(newClient().getBySubjectAndId('payments-value', 99999), 404, 40403);
    await expectRestError(newClient().getLatestSchemaMetadata('no-such-subject'), 404, 40401);
  });

  await step('subjects with "/" and ":" round-trip', async () => {
    const c = newClient();
    const id = await c.register('team/x:y-value', { schemaType: 'AVRO', schema: PAY_V1 }, false);
    assert.equal(id, state.pay1);
    assert.ok((await c.getAllSubjects()).includes('team/x:y-value'));
    // (getAllVersions does not encode its subject in this client version: not used here)
    const latest = await newClient().getLatestSchemaMetadata('team/x:y-value');
    assert.equal(latest.version, 1);
    assert.equal(await newClient().getId('team/x:y-value', { schemaType: 'AVRO', schema: PAY_V1 }, false), id);
  });

  const types = await (await fetch(`${url}/schemas/types`)).json();

  await step('ProtobufSerializer/ProtobufDeserializer: base64 descriptors, imports, format=serialized', async () => {
    if (!types.includes('PROTOBUF')) {
      console.log('  (PROTOBUF not listed in /schemas/types: skipped)');
      return;
    }
    // @bufbuild/protobuf is the client's own dependency, pinned by package-lock.json
    const { create, createFileRegistry } = require('@bufbuild/protobuf');
    const { FileDescriptorProtoSchema, file_google_protobuf_timestamp: tsFile } = require('@bufbuild/protobuf/wkt');
    const INT64 = 3; const STRING = 9; const MESSAGE = 11; const OPTIONAL = 1; const REPEATED = 3;
    const common = create(FileDescriptorProtoSchema, {
      name: 'test/common.proto', package: 'shop', syntax: 'proto3',
      messageType: [{ name: 'Money', field: [
        { name: 'units', jsonName: 'units', number: 1, type: INT64, label: OPTIONAL },
        { name: 'currency', jsonName: 'currency', number: 2, type: STRING, label: OPTIONAL }] }],
    });
    const shop = create(FileDescriptorProtoSchema, {
      name: 'test/shop.proto', package: 'shop', syntax: 'proto3',
      dependency: ['test/common.proto', 'google/protobuf/timestamp.proto'],
      messageType: [{ name: 'Order', field: [
        { name: 'id', jsonName: 'id', number: 1, type: STRING, label: OPTIONAL },
        { name: 'total', jsonName: 'total', number: 2, type: MESSAGE, typeName: '.shop.Money', label: OPTIONAL },
        { name: 'at', jsonName: 'at', number: 3, type: MESSAGE, typeName: '.google.protobuf.Timestamp',
          label: OPTIONAL },
        { name: 'tags', jsonName: 'tags', number: 4, type: STRING, label: REPEATED }] }],
    });
    const files = { 'test/common.proto': common, 'google/protobuf/timestamp.proto': tsFile };
    const reg = createFileRegistry(shop, (name) => files[name]);
    const OrderDesc = reg.getMessage('shop.Order');
    const msg = create(OrderDesc, {
      id: 'o-1', total: { units: 42n, currency: 'EUR' }, at: { seconds: 1700000000n, nanos: 5 }, tags: ['a', 'b'],
    });
    const { ProtobufSerializer, ProtobufDeserializer } = require('@confluentinc/schemaregistry');
    const ser = new ProtobufSerializer(newClient(), SerdeType.VALUE, { autoRegisterSchemas: true, registry: reg });
    const bytes = await ser.serialize('pb-orders', msg);
    assert.equal(bytes[0], 0, 'magic byte');
    const id = bytes.readInt32BE(1);
    const subjects = await newClient().getAllSubjects();
    assert.ok(subjects.includes('test/common.proto'), `import registered as its own subject: ${subjects}`);
    assert.ok(subjects.includes('pb-orders-value'), `${subjects}`);
    const latest = await newClient().getLatestSchemaMetadata('pb-orders-value');
    assert.equal(latest.id, id);
    assert.equal(latest.schemaType, 'PROTOBUF');
    assert.match(latest.schema, /message Order/, 'text form returned by default');
    assert.deepEqual(latest.references.map((r) => r.name), ['test/common.proto']);
    const back = await new ProtobufDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('pb-orders', bytes);
    assert.equal(back.id, 'o-1');
    assert.equal(back.total.units, 42n);
    assert.equal(back.total.currency, 'EUR');
    assert.equal(back.at.seconds, 1700000000n);
    assert.equal(back.at.nanos, 5);
    assert.deepEqual([...back.tags], ['a', 'b']);
    // the same descriptor registered again by a new serializer dedups to the same id
    const again = await new ProtobufSerializer(newClient(), SerdeType.VALUE, { autoRegisterSchemas: true, registry: reg })
      .serialize('pb-orders', msg);
    assert.equal(again.readInt32BE(1), id);
  });

  await step('protoc descriptor set: nested and second messages write Confluent message indexes', async () => {
    if (!types.includes('PROTOBUF')) {
      console.log('  (PROTOBUF not listed in /schemas/types: skipped)');
      return;
    }
    const { create, createFileRegistry, fromBinary, toBinary } = require('@bufbuild/protobuf');
    const { FileDescriptorProtoSchema } = require('@bufbuild/protobuf/wkt');
    const { ProtobufSerializer, ProtobufDeserializer } = require('@confluentinc/schemaregistry');
    const reg = createFileRegistry(protocDescriptorSet());
    const Order = reg.getMessage('sr.clients.Order');
    const Line = reg.getMessage('sr.clients.Order.Line');
    const Shipment = reg.getMessage('sr.clients.Shipment');
    const cases = [
      // [topic, descriptor, message, message-index bytes (zigzag varints, count first, [0] as one 0)]
      ['npm-gen-orders', Order, create(Order, {
        id: 'o-9', total: { units: 7n, currency: 'CHF' }, at: { seconds: 1700000000n, nanos: 1 },
        lines: [{ sku: 'a', qty: 1 }], status: 2,
      }), [0x00]],
      ['npm-gen-lines', Line, create(Line, { sku: 'nested', qty: 3 }), [0x04, 0x00, 0x00]],
      ['npm-gen-shipments', Shipment, create(Shipment, {
        orderId: 'o-9', line: { sku: 'b', qty: 2 }, shippedAt: { seconds: 1700000100n },
      }), [0x02, 0x02]],
    ];
    const ids = new Set();
    for (const [topic, desc, msg, index] of cases) {
      const ser = new ProtobufSerializer(newClient(), SerdeType.VALUE, { autoRegisterSchemas: true, registry: reg });
      const bytes = await ser.serialize(topic, msg);
      assert.equal(bytes[0], 0, 'magic byte');
      ids.add(bytes.readInt32BE(1));
      assert.deepEqual([...bytes.subarray(5, 5 + index.length)], index, `message index of ${topic}`);
      assert.deepEqual(bytes.subarray(5 + index.length), Buffer.from(toBinary(desc, msg)), `payload of ${topic}`);
      // a fresh deserializer knows nothing but the bytes: it fetches the schema (and the
      // references) with format=serialized and picks the message by its index
      const back = await new ProtobufDeserializer(newClient(), SerdeType.VALUE, {}).deserialize(topic, bytes);
      assert.equal(back.$typeName, desc.typeName, `decoded type of ${topic}`);
      assert.deepEqual(Buffer.from(toBinary(desc, back)), Buffer.from(toBinary(desc, msg)), `decoded ${topic}`);
    }
    assert.equal(ids.size, 1, `one file, one schema id: ${[...ids]}`);
    const [id] = ids;
    const subjects = await newClient().getAllSubjects();
    assert.ok(subjects.includes('srclients/common.proto'), `import registered as its own subject: ${subjects}`);
    const latest = await newClient().getLatestSchemaMetadata('npm-gen-lines-value');
    assert.equal(latest.id, id);
    // google/protobuf/* imports are built in for this client: only common.proto is a reference
    assert.deepEqual(latest.references, [{ name: 'srclients/common.proto', subject: 'srclients/common.proto', version: 1 }]);
    // the descriptor form the deserializer reads: the file's messages, nested ones and imports
    const r = await fetch(`${url}/schemas/ids/${id}?format=serialized`);
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.schemaType, 'PROTOBUF');
    const fdp = fromBinary(FileDescriptorProtoSchema, Buffer.from(body.schema, 'base64'));
    assert.equal(fdp.package, 'sr.clients');
    assert.deepEqual(fdp.messageType.map((m) => m.name), ['Order', 'Shipment']);
    assert.deepEqual(fdp.messageType[0].nestedType.map((m) => m.name), ['Line']);
    assert.deepEqual(fdp.messageType[0].enumType.map((e) => e.name), ['Status']);
    assert.deepEqual([...fdp.dependency].sort(), ['google/protobuf/timestamp.proto', 'srclients/common.proto']);
    const at = fdp.messageType[0].field.find((f) => f.name === 'at');
    assert.equal(at.typeName, '.google.protobuf.Timestamp');
  });

  await step('JsonSerializer/JsonDeserializer with a registered JSON Schema', async () => {
    if (!types.includes('JSON')) {
      console.log('  (JSON not listed in /schemas/types: skipped)');
      return;
    }
    const { JsonSerializer, JsonDeserializer } = require('@confluentinc/schemaregistry');
    const schema = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#', title: 'Reading', type: 'object',
      properties: { sensor: { type: 'string' }, value: { type: 'number' } }, required: ['sensor', 'value'],
    });
    const id = await newClient().register('readings-value', { schemaType: 'JSON', schema }, false);
    const ser = new JsonSerializer(newClient(), SerdeType.VALUE, { useLatestVersion: true, validate: true });
    const bytes = await ser.serialize('readings', { sensor: 't1', value: 21.5 });
    assert.equal(bytes.readInt32BE(1), id);
    await assert.rejects(ser.serialize('readings', { sensor: 't1' }), /Invalid message/);
    const back = await new JsonDeserializer(newClient(), SerdeType.VALUE, {}).deserialize('readings', bytes);
    assert.deepEqual(back, { sensor: 't1', value: 21.5 });
    const info = await newClient().getBySubjectAndId('readings-value', id);
    assert.equal(info.schemaType, 'JSON');
    assert.deepEqual(JSON.parse(info.schema), JSON.parse(schema));
  });

  await step('JsonSerializer/JsonDeserializer: $ref to another subject, schema fetched by id', async () => {
    if (!types.includes('JSON')) {
      console.log('  (JSON not listed in /schemas/types: skipped)');
      return;
    }
    const { JsonSerializer, JsonDeserializer } = require('@confluentinc/schemaregistry');
    const money = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#', type: 'object',
      properties: { units: { type: 'integer' }, currency: { type: 'string', minLength: 3, maxLength: 3 } },
      required: ['units', 'currency'],
    });
    const invoice = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#', title: 'Invoice', type: 'object',
      properties: { no: { type: 'string' }, amount: { $ref: 'money.json' } }, required: ['no', 'amount'],
    });
    const c = newClient();
    const moneyId = await c.register('money-json', { schemaType: 'JSON', schema: money }, false);
    const references = [{ name: 'money.json', subject: 'money-json', version: 1 }];
    const id = await c.register('invoices-value', { schemaType: 'JSON', schema: invoice, references }, false);
    assert.notEqual(id, moneyId);
    const latest = await newClient().getLatestSchemaMetadata('invoices-value');
    assert.equal(latest.id, id);
    assert.deepEqual(latest.references, references);
    const ser = new JsonSerializer(newClient(), SerdeType.VALUE, { useLatestVersion: true, validate: true });
    const value = { no: 'I-1', amount: { units: 10, currency: 'EUR' } };
    const bytes = await ser.serialize('invoices', value);
    assert.equal(bytes.readInt32BE(1), id);
    // the referenced schema's constraints apply on both sides
    await assert.rejects(ser.serialize('invoices', { no: 'I-2', amount: { units: 1, currency: 'EURO' } }),
      /Invalid message/);
    const de = new JsonDeserializer(newClient(), SerdeType.VALUE, { validate: true });
    assert.deepEqual(await de.deserialize('invoices', bytes), value);
    const forged = Buffer.concat([bytes.subarray(0, 5), Buffer.from(JSON.stringify({ no: 'I-3', amount: { units: 1 } }))]);
    await assert.rejects(new JsonDeserializer(newClient(), SerdeType.VALUE, { validate: true })
      .deserialize('invoices', forged), /Invalid message/);
  });

}

run('npm @confluentinc/schemaregistry', main);
