import { avro } from './avro.ts'
import { boolean } from './boolean.ts'
import { bytes } from './bytes.ts'
import { double } from './double.ts'
import { float } from './float.ts'
import { integer } from './integer.ts'
import { json } from './json.ts'
import { bigint, long } from './long.ts'
import { short } from './short.ts'
import { string } from './string.ts'
import { uuid } from './uuid.ts'

/**
 * Serde factories, named after Kafka's `Serdes` and byte-compatible with the Java serdes of the
 * same name, so a Java and a TypeScript application can share topics and state.
 *
 * - `string()`   UTF-8 text                              (StringSerializer)
 * - `long()`     int64, 8 bytes BE, as a safe-integer `number`    (LongSerializer)
 * - `bigint()`   int64, 8 bytes BE, as a `bigint`         (LongSerializer)
 * - `integer()`  int32, 4 bytes BE                        (IntegerSerializer)
 * - `short()`    int16, 2 bytes BE                        (ShortSerializer)
 * - `double()`   IEEE 754 binary64, 8 bytes BE            (DoubleSerializer)
 * - `float()`    IEEE 754 binary32, 4 bytes BE            (FloatSerializer)
 * - `boolean()`  one byte, 0x01 / 0x00                     (BooleanSerializer)
 * - `bytes()`    the bytes themselves, as a `Buffer`       (ByteArraySerializer)
 * - `uuid()`     a UUID string, sent as its 36-char text   (UUIDSerializer)
 * - `json()`     JSON as UTF-8, optionally validated by any Standard Schema
 * - `avro()`     Avro with a schema registry, Confluent wire format
 */
export const Serdes = Object.freeze({
  string,
  long,
  bigint,
  integer,
  short,
  double,
  float,
  boolean,
  bytes,
  uuid,
  json,
  avro,
})
