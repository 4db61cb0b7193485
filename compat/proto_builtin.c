/* SPDX-License-Identifier: Apache-2.0 */
/* proto_builtin.c — importable files every Protobuf schema may use without a reference:
 * Google's well-known types (embedded at build time from libprotobuf-dev, see
 * proto_embed.cmake), and the files Confluent's registry also ships, written here from
 * their published field definitions: confluent/meta.proto, confluent/type/{decimal,variant}
 * and the google/type common types. Only field definitions matter to us (names, numbers,
 * types), so language options are left out. */
#include <string.h>

#include "proto_internal.h"

#define P3(pkg) "syntax = \"proto3\";\npackage " pkg ";\n"

static const struct proto_builtin handwritten[] = {
    /* FeatureSet of protobuf editions 2023 (newer descriptor.proto), for `features` options */
    {PROTO_FEATURES_FILE,
     "syntax = \"proto2\";\npackage google.protobuf;\n"
     "message FeatureSet {\n"
     "  enum FieldPresence { FIELD_PRESENCE_UNKNOWN = 0; EXPLICIT = 1; IMPLICIT = 2; LEGACY_REQUIRED = 3; }\n"
     "  optional FieldPresence field_presence = 1;\n"
     "  enum EnumType { ENUM_TYPE_UNKNOWN = 0; OPEN = 1; CLOSED = 2; }\n"
     "  optional EnumType enum_type = 2;\n"
     "  enum RepeatedFieldEncoding { REPEATED_FIELD_ENCODING_UNKNOWN = 0; PACKED = 1; EXPANDED = 2; }\n"
     "  optional RepeatedFieldEncoding repeated_field_encoding = 3;\n"
     "  enum Utf8Validation { UTF8_VALIDATION_UNKNOWN = 0; VERIFY = 2; NONE = 3; }\n"
     "  optional Utf8Validation utf8_validation = 4;\n"
     "  enum MessageEncoding { MESSAGE_ENCODING_UNKNOWN = 0; LENGTH_PREFIXED = 1; DELIMITED = 2; }\n"
     "  optional MessageEncoding message_encoding = 5;\n"
     "  enum JsonFormat { JSON_FORMAT_UNKNOWN = 0; ALLOW = 1; LEGACY_BEST_EFFORT = 2; }\n"
     "  optional JsonFormat json_format = 6;\n"
     "  extensions 1000 to 9994;\n"
     "}\n"},
    {"confluent/meta.proto",
     P3("confluent") "import \"google/protobuf/descriptor.proto\";\n"
                     "message Meta {\n  string doc = 1;\n  map<string, string> params = 2;\n"
                     "  repeated string tags = 3;\n  repeated Rule rules = 4;\n}\n"
                     "message Rule {\n  string name = 1;\n  string doc = 2;\n  string expr = 3;\n  string "
                     "sql = 4;\n}\n"
                     "extend google.protobuf.FileOptions { Meta file_meta = 1088; }\n"
                     "extend google.protobuf.MessageOptions { Meta message_meta = 1088; }\n"
                     "extend google.protobuf.FieldOptions { Meta field_meta = 1088; }\n"
                     "extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }\n"
                     "extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }\n"},
    {"confluent/type/decimal.proto", P3("confluent.type") "message Decimal {\n  bytes value = 1;\n  uint32 "
                                                          "precision = 2;\n  int32 scale = 3;\n}\n"},
    {"confluent/type/variant.proto",
     P3("confluent.type") "message Variant {\n  bytes metadata = 1;\n  bytes value = 2;\n}\n"},
    {"google/type/calendar_period.proto",
     P3("google.type") "enum CalendarPeriod {\n  CALENDAR_PERIOD_UNSPECIFIED = 0;\n  DAY = 1;\n  WEEK = 2;\n"
                       "  FORTNIGHT = 3;\n  MONTH = 4;\n  QUARTER = 5;\n  HALF = 6;\n  YEAR = 7;\n}\n"},
    {"google/type/color.proto",
     P3("google.type") "import \"google/protobuf/wrappers.proto\";\n"
                       "message Color {\n  float red = 1;\n  float green = 2;\n  float blue = 3;\n"
                       "  google.protobuf.FloatValue alpha = 4;\n}\n"},
    {"google/type/date.proto",
     P3("google.type") "message Date {\n  int32 year = 1;\n  int32 month = 2;\n  int32 day = 3;\n}\n"},
    {"google/type/datetime.proto",
     P3("google.type") "import \"google/protobuf/duration.proto\";\n"
                       "message DateTime {\n  int32 year = 1;\n  int32 month = 2;\n  int32 day = 3;\n  int32 "
                       "hours = 4;\n"
                       "  int32 minutes = 5;\n  int32 seconds = 6;\n  int32 nanos = 7;\n  oneof time_offset "
                       "{\n"
                       "    google.protobuf.Duration utc_offset = 8;\n    TimeZone time_zone = 9;\n  }\n}\n"
                       "message TimeZone {\n  string id = 1;\n  string version = 2;\n}\n"},
    {"google/type/dayofweek.proto",
     P3("google.type") "enum DayOfWeek {\n  DAY_OF_WEEK_UNSPECIFIED = 0;\n  MONDAY = 1;\n  TUESDAY = 2;\n"
                       "  WEDNESDAY = 3;\n  THURSDAY = 4;\n  FRIDAY = 5;\n  SATURDAY = 6;\n  SUNDAY = "
                       "7;\n}\n"},
    {"google/type/decimal.proto", P3("google.type") "message Decimal {\n  string value = 1;\n}\n"},
    {"google/type/expr.proto", P3("google.type") "message Expr {\n  string expression = 1;\n  string title = "
                                                 "2;\n  string description = 3;\n"
                                                 "  string location = 4;\n}\n"},
    {"google/type/fraction.proto",
     P3("google.type") "message Fraction {\n  int64 numerator = 1;\n  int64 denominator = 2;\n}\n"},
    {"google/type/interval.proto",
     P3("google.type") "import \"google/protobuf/timestamp.proto\";\n"
                       "message Interval {\n  google.protobuf.Timestamp start_time = 1;\n"
                       "  google.protobuf.Timestamp end_time = 2;\n}\n"},
    {"google/type/latlng.proto",
     P3("google.type") "message LatLng {\n  double latitude = 1;\n  double longitude = 2;\n}\n"},
    {"google/type/money.proto", P3("google.type") "message Money {\n  string currency_code = 1;\n  int64 "
                                                  "units = 2;\n  int32 nanos = 3;\n}\n"},
    {"google/type/month.proto",
     P3("google.type") "enum Month {\n  MONTH_UNSPECIFIED = 0;\n  JANUARY = 1;\n  FEBRUARY = 2;\n  MARCH = "
                       "3;\n"
                       "  APRIL = 4;\n  MAY = 5;\n  JUNE = 6;\n  JULY = 7;\n  AUGUST = 8;\n  SEPTEMBER = 9;\n"
                       "  OCTOBER = 10;\n  NOVEMBER = 11;\n  DECEMBER = 12;\n}\n"},
    {"google/type/phone_number.proto",
     P3("google.type") "message PhoneNumber {\n  oneof kind {\n    string e164_number = 1;\n"
                       "    ShortCode short_code = 2;\n  }\n  string extension = 3;\n"
                       "  message ShortCode {\n    string region_code = 1;\n    string number = 2;\n  "
                       "}\n}\n"},
    {"google/type/postal_address.proto",
     P3("google.type") "message PostalAddress {\n  int32 revision = 1;\n  string region_code = 2;\n"
                       "  string language_code = 3;\n  string postal_code = 4;\n  string sorting_code = 5;\n"
                       "  string administrative_area = 6;\n  string locality = 7;\n  string sublocality = "
                       "8;\n"
                       "  repeated string address_lines = 9;\n  repeated string recipients = 10;\n"
                       "  string organization = 11;\n}\n"},
    {"google/type/quaternion.proto", P3("google.type") "message Quaternion {\n  double x = 1;\n  double y = "
                                                       "2;\n  double z = 3;\n  double w = 4;\n}\n"},
    {"google/type/timeofday.proto",
     P3("google.type") "message TimeOfDay {\n  int32 hours = 1;\n  int32 minutes = 2;\n  int32 seconds = 3;\n"
                       "  int32 nanos = 4;\n}\n"},
};

int proto_features_number(const ProtobufCMessageDescriptor *d)
{
    static const struct {
        const char *options;
        int number;
    } numbers[] = {
        {"google.protobuf.FileOptions", 50},
        {"google.protobuf.MessageOptions", 12},
        {"google.protobuf.FieldOptions", 21},
        {"google.protobuf.OneofOptions", 1},
        {"google.protobuf.EnumOptions", 7},
        {"google.protobuf.EnumValueOptions", 2},
        {"google.protobuf.ServiceOptions", 34},
        {"google.protobuf.MethodOptions", 35},
        {"google.protobuf.ExtensionRangeOptions", 50},
    };
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
        if (strcmp(numbers[i].options, d->name) == 0)
            return numbers[i].number;
    return 0;
}

const struct proto_builtin *proto_builtin_handwritten(size_t *count)
{
    *count = sizeof(handwritten) / sizeof(handwritten[0]);
    return handwritten;
}

const struct proto_builtin *proto_builtin_find(const char *path)
{
    size_t n;
    const struct proto_builtin *gen = proto_builtin_generated(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(gen[i].path, path) == 0)
            return &gen[i];
    for (size_t i = 0; i < sizeof(handwritten) / sizeof(handwritten[0]); i++)
        if (strcmp(handwritten[i].path, path) == 0)
            return &handwritten[i];
    return NULL;
}
