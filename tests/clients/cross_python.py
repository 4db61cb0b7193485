#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Cross-client decoding, Python side (Debian python3-confluent-kafka 1.7).

usage: cross_python.py write|read URL   (run by run_client.py, which sets SR_CLIENT_EXCHANGE_DIR)

write: serializes the shared sample values (Avro, JSON Schema, Protobuf from the classes
protoc generates from tests/clients/proto) into $SR_CLIENT_EXCHANGE_DIR/python.<format>.bin.
read: decodes what every client wrote whose wire format this client shares, by the schema
id in the bytes, and compares with the sample values. The samples are the same constants
in cross_confluent_schemaregistry.js and cross_kafkajs.js.
Protobuf: only the first message of a file (message index [0], a single 0 byte) is
exchanged; 1.7 writes longer indexes as plain varints where the Confluent format (npm,
Java) uses zigzag varints, so a nested message does not decode across them.
Prints one line per failed check, ends with "N passed, M failed", exits 1 on any failure.
"""

import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

MODE, URL = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
XDIR = os.environ["SR_CLIENT_EXCHANGE_DIR"]
ME = "python"

AVRO_SCHEMA = json.dumps({"type": "record", "name": "Reading", "namespace": "sr.cross", "fields": [
    {"name": "id", "type": "long"}, {"name": "name", "type": "string"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "note", "type": ["null", "string"], "default": None}, {"name": "score", "type": "double"}]})
AVRO_VALUE = {"id": 7, "name": "cross", "tags": ["a", "b"], "note": "hi", "score": 2.5}
JSON_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#", "title": "Reading", "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "tags": {"type": "array", "items": {"type": "string"}}, "score": {"type": "number"}},
    "required": ["id", "name"]})
JSON_VALUE = {"id": 7, "name": "cross", "tags": ["a", "b"], "score": 2.5}

# which writers' bytes each format's readers must decode (the wire formats that agree)
WRITERS = {"avro": ["python", "confluent", "kafkajs"], "json": ["python", "confluent", "kafkajs"],
           "protobuf": ["python", "confluent"]}

passed = 0
failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
    except Exception as e:  # noqa: BLE001 - every failure is reported and counted
        failed += 1
        tb = traceback.extract_tb(e.__traceback__)
        print("FAIL %s: %s: %s (line %d)" % (name, type(e).__name__, e, tb[-1].lineno if tb else 0))


def generated_shop(out_dir):
    root = os.path.join(HERE, "proto")
    files = sorted(os.path.relpath(f, root) for f in glob.glob(os.path.join(root, "srclients", "*.proto")))
    subprocess.run(["protoc", "-I", root, "--python_out=" + out_dir] + files, check=True, timeout=120)
    sys.path.insert(0, out_dir)
    from srclients import shop_pb2
    return shop_pb2


def proto_sample(shop_pb2):
    order = shop_pb2.Order(id="x-1", status=shop_pb2.Order.SHIPPED)
    order.total.units = 99
    order.total.currency = "JPY"
    order.at.seconds = 1700000000
    order.at.nanos = 7
    order.lines.add(sku="s", qty=3)
    return order


def path(writer, fmt):
    return os.path.join(XDIR, "%s.%s.bin" % (writer, fmt))


def write(shop_pb2):
    sr = SchemaRegistryClient({"url": URL})

    def avro():
        ctx = SerializationContext("cross-python-avro", MessageField.VALUE)
        with open(path(ME, "avro"), "wb") as f:
            f.write(AvroSerializer(sr, AVRO_SCHEMA)(AVRO_VALUE, ctx))

    def json_schema():
        ctx = SerializationContext("cross-python-json", MessageField.VALUE)
        with open(path(ME, "json"), "wb") as f:
            f.write(JSONSerializer(JSON_SCHEMA, sr)(JSON_VALUE, ctx))

    def protobuf():
        ctx = SerializationContext("cross-python-protobuf", MessageField.VALUE)
        data = ProtobufSerializer(shop_pb2.Order, sr)(proto_sample(shop_pb2), ctx)
        assert data[5:6] == b"\x00", data[:8].hex()
        with open(path(ME, "protobuf"), "wb") as f:
            f.write(data)

    check("write avro", avro)
    check("write json", json_schema)
    check("write protobuf", protobuf)


def read(shop_pb2):
    def one(writer, fmt):
        with open(path(writer, fmt), "rb") as f:
            data = f.read()
        magic, sid = struct.unpack(">bI", data[:5])
        assert magic == 0, magic
        fresh = SchemaRegistryClient({"url": URL})
        ctx = SerializationContext("cross-read", MessageField.VALUE)
        if fmt == "avro":
            got = AvroDeserializer(fresh)(data, ctx)
            assert got == AVRO_VALUE, got
        elif fmt == "json":
            # 1.7's deserializer validates against the schema it is given: the one the
            # registry holds for the id in the bytes
            stored = fresh.get_schema(sid)
            assert stored.schema_type == "JSON", stored.schema_type
            got = JSONDeserializer(stored.schema_str)(data, ctx)
            assert got == JSON_VALUE, got
        else:
            stored = fresh.get_schema(sid)
            assert stored.schema_type == "PROTOBUF" and "message Order" in stored.schema_str, stored.schema_type
            got = ProtobufDeserializer(shop_pb2.Order)(data, ctx)
            assert got == proto_sample(shop_pb2), got

    for fmt, writers in WRITERS.items():
        for writer in writers:
            check("read %s written by %s" % (fmt, writer), lambda w=writer, f=fmt: one(w, f))

    def same_avro_body():
        # same schema, same value: Avro's binary encoding leaves no choice, so every
        # writer's body after the 5-byte header must be the same bytes
        bodies = set()
        for writer in WRITERS["avro"]:
            with open(path(writer, "avro"), "rb") as f:
                bodies.add(f.read()[5:])
        assert len(bodies) == 1, [b.hex() for b in bodies]

    check("avro bodies identical across writers", same_avro_body)


def main():
    gen = tempfile.mkdtemp(prefix="sr-cross-protoc-")
    try:
        shop_pb2 = generated_shop(gen)
        if MODE == "write":
            write(shop_pb2)
        elif MODE == "read":
            read(shop_pb2)
        else:
            print("usage: cross_python.py write|read URL")
            return 2
    finally:
        shutil.rmtree(gen, ignore_errors=True)
    print("cross python %s: %d passed, %d failed" % (MODE, passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
