#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Debian's python3-confluent-kafka (1.7) against the registry, unchanged: the
SchemaRegistryClient calls and the Avro serializer/deserializer in Confluent's wire
format, with SerializationContext and no Kafka broker.

usage: python_confluent_kafka.py URL
Run with /usr/bin/python3 and tests/clients/pyshim on PYTHONPATH (fastavro substitute).
Prints one line per failed check, ends with "N passed, M failed", exits 1 on any failure.
"""

import json
import struct
import sys
import traceback

import requests
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

URL = sys.argv[1]

ADDRESS = json.dumps({"type": "record", "name": "Address", "namespace": "com.acme",
                      "fields": [{"name": "street", "type": "string"}, {"name": "zip", "type": "int"}]})
ORDER = json.dumps({"type": "record", "name": "Order", "namespace": "com.acme",
                    "fields": [{"name": "id", "type": "long"}, {"name": "ship_to", "type": "com.acme.Address"}]})
USER_V1 = json.dumps({"type": "record", "name": "User", "namespace": "py.test",
                      "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]})
USER_V2 = json.dumps({"type": "record", "name": "User", "namespace": "py.test",
                      "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"},
                                 {"name": "email", "type": ["null", "string"], "default": None}]})
USER_BAD = json.dumps({"type": "record", "name": "User", "namespace": "py.test",
                       "fields": [{"name": "name", "type": "long"}]})

passed = 0
failed = 0


def step(name):
    def wrap(fn):
        global passed, failed
        try:
            fn()
            passed += 1
        except Exception as e:  # noqa: BLE001 - every failure is reported and counted
            failed += 1
            tb = traceback.extract_tb(e.__traceback__)
            line = tb[-1].lineno if tb else 0
            print("FAIL %s: %s: %s (line %d)" % (name, type(e).__name__, e, line))
        return fn
    return wrap


def ref_tuples(refs):
    """1.7 hands back references read from the server as plain dicts."""
    out = []
    for r in refs or []:
        if isinstance(r, dict):
            out.append((r.get("name"), r.get("subject"), r.get("version")))
        else:
            out.append((r.name, r.subject, r.version))
    return out


def same_schema(a, b):
    return json.loads(a) == json.loads(b)


sr = SchemaRegistryClient({"url": URL})
state = {}


@step("register_schema and get_schema by id")
def _():
    sid = sr.register_schema("users-value", Schema(USER_V1, "AVRO"))
    assert isinstance(sid, int) and sid > 0, sid
    state["user_id"] = sid
    fresh = SchemaRegistryClient({"url": URL})
    got = fresh.get_schema(sid)
    assert got.schema_type == "AVRO", got.schema_type
    assert same_schema(got.schema_str, USER_V1), got.schema_str


@step("register_schema again returns the same id")
def _():
    fresh = SchemaRegistryClient({"url": URL})
    assert fresh.register_schema("users-value", Schema(USER_V1, "AVRO")) == state["user_id"]


@step("lookup_schema")
def _():
    reg = sr.lookup_schema("users-value", Schema(USER_V1, "AVRO"))
    assert reg.schema_id == state["user_id"], reg.schema_id
    assert reg.subject == "users-value", reg.subject
    assert reg.version == 1, reg.version


@step("lookup_schema of an unknown schema raises 40403")
def _():
    try:
        sr.lookup_schema("users-value", Schema(ADDRESS, "AVRO"))
    except SchemaRegistryError as e:
        assert e.error_code == 40403, (e.http_status_code, e.error_code, e.error_message)
        return
    raise AssertionError("no error")


@step("get_latest_version, get_version, get_versions, get_subjects")
def _():
    latest = sr.get_latest_version("users-value")
    assert (latest.schema_id, latest.version, latest.subject) == (state["user_id"], 1, "users-value"), latest
    v1 = sr.get_version("users-value", 1)
    assert same_schema(v1.schema.schema_str, USER_V1)
    assert sr.get_versions("users-value") == [1]
    assert "users-value" in sr.get_subjects()


@step("set_compatibility / get_compatibility per subject and globally")
def _():
    # the PUT answer echoes the level under `compatibility` (GET uses `compatibilityLevel`)
    assert sr.set_compatibility("users-value", "FULL").get("compatibility") == "FULL"
    assert sr.get_compatibility("users-value") == "FULL", sr.get_compatibility("users-value")
    assert sr.set_compatibility(level="BACKWARD_TRANSITIVE").get("compatibility") == "BACKWARD_TRANSITIVE"
    assert sr.get_compatibility() == "BACKWARD_TRANSITIVE", sr.get_compatibility()
    sr.set_compatibility(level="BACKWARD")


@step("test_compatibility true and false")
def _():
    assert sr.test_compatibility("users-value", Schema(USER_V2, "AVRO")) is True
    assert sr.test_compatibility("users-value", Schema(USER_BAD, "AVRO")) is False
    assert sr.test_compatibility("users-value", Schema(USER_V2, "AVRO"), version=1) is True


@step("register an incompatible schema raises 40901")
def _():
    try:
        sr.register_schema("users-value", Schema(USER_BAD, "AVRO"))
    except SchemaRegistryError as e:
        assert e.http_status_code == 409 and e.error_code == 40901, (e.http_status_code, e.error_code)
        return
    raise AssertionError("no error")


@step("register v2 under FULL")
def _():
    sid = sr.register_schema("users-value", Schema(USER_V2, "AVRO"))
    assert sid != state["user_id"]
    state["user_v2_id"] = sid
    assert sr.get_versions("users-value") == [1, 2]


@step("references between Avro subjects")
def _():
    addr_id = sr.register_schema("com.acme.Address", Schema(ADDRESS, "AVRO"))
    ref = SchemaReference("com.acme.Address", "com.acme.Address", 1)
    order_id = sr.register_schema("orders-value", Schema(ORDER, "AVRO", [ref]))
    assert order_id != addr_id
    got = SchemaRegistryClient({"url": URL}).get_schema(order_id)
    refs = ref_tuples(got.references)
    assert refs == [("com.acme.Address", "com.acme.Address", 1)], refs
    reg = sr.lookup_schema("orders-value", Schema(ORDER, "AVRO", [ref]))
    assert reg.schema_id == order_id and reg.version == 1
    latest = sr.get_latest_version("orders-value")
    assert ref_tuples(latest.schema.references) == refs


@step("AvroSerializer / AvroDeserializer round trip in wire format")
def _():
    ser = AvroSerializer(sr, USER_V2)
    ctx = SerializationContext("users", MessageField.VALUE)
    record = {"name": "Ada", "age": 36, "email": "ada@example.com"}
    data = ser(record, ctx)
    magic, sid = struct.unpack(">bI", data[:5])
    assert magic == 0, magic
    assert sid == state["user_v2_id"], (sid, state["user_v2_id"])
    de = AvroDeserializer(SchemaRegistryClient({"url": URL}))
    assert de(data, ctx) == record, de(data, ctx)


@step("AvroSerializer auto-registers under TopicNameStrategy; reader schema resolution")
def _():
    topic_schema = json.dumps({"type": "record", "name": "Event", "fields": [
        {"name": "kind", "type": "string"}, {"name": "n", "type": "long"}]})
    ser = AvroSerializer(sr, topic_schema)
    ctx = SerializationContext("events", MessageField.KEY)
    data = ser({"kind": "click", "n": 7}, ctx)
    assert "events-key" in sr.get_subjects()
    reg = sr.lookup_schema("events-key", Schema(topic_schema, "AVRO"))
    assert struct.unpack(">bI", data[:5])[1] == reg.schema_id
    reader = json.dumps({"type": "record", "name": "Event", "fields": [
        {"name": "kind", "type": "string"}, {"name": "extra", "type": "int", "default": 3}]})
    de = AvroDeserializer(SchemaRegistryClient({"url": URL}), reader)
    assert de(data, ctx) == {"kind": "click", "extra": 3}, de(data, ctx)


@step("AvroSerializer without auto-registration looks the schema up")
def _():
    ser = AvroSerializer(sr, USER_V1, conf={"auto.register.schemas": False})
    data = ser({"name": "Bo", "age": 3}, SerializationContext("users", MessageField.VALUE))
    assert struct.unpack(">bI", data[:5])[1] == state["user_id"]


@step("delete_version and delete_subject (soft, then permanent)")
def _():
    sr.register_schema("tmp-value", Schema(USER_V1, "AVRO"))
    assert sr.delete_version("tmp-value", 1) == 1
    sr.register_schema("tmp2-value", Schema(USER_V1, "AVRO"))
    assert sr.delete_subject("tmp2-value") == [1]
    assert "tmp2-value" not in sr.get_subjects()
    # permanent=True makes the client send the soft delete and then ?permanent=true
    sr.register_schema("tmp3-value", Schema(USER_V1, "AVRO"))
    assert sr.delete_subject("tmp3-value", permanent=True) == [1]
    try:
        sr.get_versions("tmp3-value")
    except SchemaRegistryError as e:
        assert e.error_code == 40401, e.error_code
    else:
        raise AssertionError("tmp3-value still has versions")


@step("get_schema of an unknown id raises 40403")
def _():
    try:
        SchemaRegistryClient({"url": URL}).get_schema(987654)
    except SchemaRegistryError as e:
        assert e.error_code == 40403 and e.http_status_code == 404, (e.http_status_code, e.error_code)
        return
    raise AssertionError("no error")


@step("subjects with '/' are encoded and decoded")
def _():
    sid = sr.register_schema("team/a/users-value", Schema(USER_V1, "AVRO"))
    assert sid == state["user_id"]
    assert "team/a/users-value" in sr.get_subjects()
    assert sr.get_latest_version("team/a/users-value").version == 1


# ---- Protobuf: the serializer registers base64 FileDescriptorProtos and their imports ----

def _proto_classes():
    """Builds message classes at run time (no protoc step): common.proto with Money, and
    shop.proto importing it and google/protobuf/timestamp.proto."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    from google.protobuf import timestamp_pb2  # noqa: F401 - puts timestamp.proto in the pool
    pool = descriptor_pool.Default()
    F = descriptor_pb2.FieldDescriptorProto
    common = descriptor_pb2.FileDescriptorProto(name="test/common.proto", package="shop", syntax="proto3")
    money = common.message_type.add(name="Money")
    money.field.add(name="units", number=1, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    money.field.add(name="currency", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    shop = descriptor_pb2.FileDescriptorProto(name="test/shop.proto", package="shop", syntax="proto3",
                                              dependency=["test/common.proto", "google/protobuf/timestamp.proto"])
    order = shop.message_type.add(name="Order")
    order.field.add(name="id", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    order.field.add(name="total", number=2, type=F.TYPE_MESSAGE, type_name=".shop.Money", label=F.LABEL_OPTIONAL)
    order.field.add(name="at", number=3, type=F.TYPE_MESSAGE, type_name=".google.protobuf.Timestamp",
                    label=F.LABEL_OPTIONAL)
    order.field.add(name="tags", number=4, type=F.TYPE_STRING, label=F.LABEL_REPEATED)
    for fdp in (common, shop):
        try:
            pool.Add(fdp)
        except TypeError:
            pool.AddSerializedFile(fdp.SerializeToString())
    factory = message_factory.MessageFactory(pool)
    return factory.GetPrototype(pool.FindMessageTypeByName("shop.Order"))


@step("ProtobufSerializer registers imports as subjects and the schema with references")
def _():
    if "PROTOBUF" not in requests.get(URL + "/schemas/types", timeout=60).json():
        print("  (PROTOBUF not listed in /schemas/types: skipped)")
        return
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
    Order = _proto_classes()
    ser = ProtobufSerializer(Order, sr)
    ctx = SerializationContext("shop-orders", MessageField.VALUE)
    msg = Order(id="o-1", tags=["a", "b"])
    msg.total.units = 42
    msg.total.currency = "EUR"
    msg.at.seconds = 1700000000
    data = ser(msg, ctx)
    magic, sid = struct.unpack(">bI", data[:5])
    assert magic == 0
    subjects = sr.get_subjects()
    for subj in ("test/common.proto", "google/protobuf/timestamp.proto", "shop-orders-value"):
        assert subj in subjects, (subj, subjects)
    back = ProtobufDeserializer(Order)(data, ctx)
    assert back == msg, back
    got = SchemaRegistryClient({"url": URL}).get_schema(sid)
    assert got.schema_type == "PROTOBUF", got.schema_type
    assert "message Order" in got.schema_str, got.schema_str[:300]
    names = sorted(n for n, _, _ in ref_tuples(got.references))
    assert names == ["google/protobuf/timestamp.proto", "test/common.proto"], names
    # the text form the server returns is accepted back as the same schema
    reg = sr.lookup_schema("shop-orders-value", Schema(got.schema_str, "PROTOBUF", got.references))
    assert reg.schema_id == sid, (reg.schema_id, sid)
    # a second serializer instance (fresh client) finds the same id
    data2 = ProtobufSerializer(Order, SchemaRegistryClient({"url": URL}))(msg, ctx)
    assert data2 == data


print("python confluent-kafka: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
