# SPDX-License-Identifier: Apache-2.0
"""fastavro — the three functions Debian's python3-confluent-kafka 1.7 imports from
fastavro (parse_schema, schemaless_writer, schemaless_reader), backed by Apache Avro's
python3-avro.

Why: confluent_kafka.schema_registry.avro imports fastavro, which Debian (bookworm) does
not package, and the project installs only Debian packages. The client code itself runs
unchanged; only this dependency is substituted, and only on the PYTHONPATH of the client
test (tests/clients/CMakeLists.txt). The binary encoding is Avro's own, so bytes written
here are exactly what fastavro would write.
"""

import json

import avro.io
import avro.schema


class _Parsed(dict):
    """The schema dict as fastavro returns it (named types carry their full name),
    plus the parsed Apache Avro schema used for encoding."""

    avro_schema = None


def parse_schema(schema):
    parsed = _Parsed(schema) if isinstance(schema, dict) else _Parsed()
    parsed.avro_schema = avro.schema.parse(json.dumps(schema))
    fullname = getattr(parsed.avro_schema, "fullname", None)
    if isinstance(schema, dict) and fullname:
        parsed["name"] = fullname
    return parsed


def _avro(schema):
    if isinstance(schema, _Parsed):
        return schema.avro_schema
    return avro.schema.parse(json.dumps(schema))


def schemaless_writer(fo, schema, record):
    avro.io.DatumWriter(_avro(schema)).write(record, avro.io.BinaryEncoder(fo))


def schemaless_reader(fo, writer_schema, reader_schema=None, return_record_name=False):
    if return_record_name:
        raise NotImplementedError("return_record_name is not supported by this shim")
    writer = _avro(writer_schema)
    reader = _avro(reader_schema) if reader_schema is not None else writer
    return avro.io.DatumReader(writer, reader).read(avro.io.BinaryDecoder(fo))
