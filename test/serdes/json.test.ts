import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Serdes } from '../../src/serdes/serdes.ts'
import type { Serde } from '../../src/serdes/serde.ts'
import type { StandardSchemaV1 } from '../../src/serdes/standard-schema.ts'
import { assertSerializationError } from './helpers.ts'

interface Payment {
  id: string
  amount: number
  tags: string[]
}

// A hand-written Standard Schema v1 validator, the shape zod/valibot/arktype expose.
const paymentSchema: StandardSchemaV1<unknown, Payment> = {
  '~standard': {
    version: 1,
    vendor: 'hand',
    validate(value) {
      const issues: StandardSchemaV1.Issue[] = []
      const v = value as Record<string, unknown> | null
      if (typeof v !== 'object' || v === null) return { issues: [{ message: 'Expected object' }] }
      if (typeof v.id !== 'string') issues.push({ message: 'Expected string', path: ['id'] })
      if (typeof v.amount !== 'number') issues.push({ message: 'Expected number', path: [{ key: 'amount' }] })
      if (!Array.isArray(v.tags)) issues.push({ message: 'Expected array', path: ['tags'] })
      else v.tags.forEach((t, i) => typeof t !== 'string' && issues.push({ message: 'Expected string', path: ['tags', i] }))
      return issues.length > 0 ? { issues } : { value: v as unknown as Payment }
    },
  },
}

// Output differs from input: the validator turns an ISO string into a Date.
const dateSchema: StandardSchemaV1<string, Date> = {
  '~standard': {
    version: 1,
    vendor: 'hand',
    validate: (value) => (typeof value === 'string' ? { value: new Date(value) } : { issues: [{ message: 'Expected ISO string' }] }),
  },
}

const asyncSchema: StandardSchemaV1<unknown, number> = {
  '~standard': { version: 1, vendor: 'slowlib', validate: async (value) => ({ value: value as number }) },
}

describe('Serdes.json()', () => {
  it('is JSON text in UTF-8', () => {
    const serde = Serdes.json<Payment>()
    const payment: Payment = { id: 'p-1', amount: 12.5, tags: ['é'] }
    const bytes = serde.serialize('payments', payment)
    assert.equal(bytes.toString('utf8'), '{"id":"p-1","amount":12.5,"tags":["é"]}')
    assert.deepEqual(serde.deserialize('payments', bytes), payment)
    assert.equal(serde.name, 'Json')
  })

  it('reports malformed JSON with the topic', () => {
    const serde = Serdes.json()
    const err = assertSerializationError(() => serde.deserialize('payments', Buffer.from('{"id":')), /malformed JSON/, /topic "payments"/)
    assert.ok(err.cause instanceof SyntaxError)
  })

  it('never quotes the malformed bytes in the error (it is logged), only where parsing failed', () => {
    const serde = Serdes.json()
    for (const text of ['card-4111-1111 is not json', 'x4111', '{"card": "4111-1111" "x": 1}', '"card-4111-1111', 'card-4111-1111"', `${'y'.repeat(40)}4111${'z'.repeat(40)}`]) {
      const err = assertSerializationError(() => serde.deserialize('payments', Buffer.from(text)), /malformed JSON/)
      assert.ok(!err.message.includes('4111') && !(err.cause as Error).message.includes('4111'), err.message)
    }
    assert.match(assertSerializationError(() => serde.deserialize('t', Buffer.from('{"a": 1 x'))).message, /at position 8/)
  })

  it('refuses values JSON cannot represent', () => {
    const serde = Serdes.json<unknown>()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assertSerializationError(() => serde.serialize('t', cyclic), /cannot serialize/, /"t"/)
    assertSerializationError(() => serde.serialize('t', 1n), /cannot serialize/)
    assertSerializationError(() => serde.serialize('t', undefined), /no representation/)
  })

  describe('with a Standard Schema', () => {
    it('returns the validated value', () => {
      const serde = Serdes.json({ schema: paymentSchema })
      assert.deepEqual(serde.deserialize('t', Buffer.from('{"id":"a","amount":1,"tags":[]}')), { id: 'a', amount: 1, tags: [] })
    })

    it('lists every issue with its path', () => {
      const serde = Serdes.json({ schema: paymentSchema })
      assertSerializationError(
        () => serde.deserialize('payments', Buffer.from('{"id":7,"tags":["ok",3]}')),
        /validation failed/,
        /"payments"/,
        /hand/,
        /id: Expected string; amount: Expected number; tags\.1: Expected string/,
      )
      assertSerializationError(() => serde.deserialize('payments', Buffer.from('null')), /: Expected object$/)
    })

    it('returns the output of transforming schemas', () => {
      const serde = Serdes.json({ schema: dateSchema })
      const when = serde.deserialize('t', Buffer.from('"2024-01-02T03:04:05.000Z"'))
      assert.ok(when instanceof Date)
      // Without validateOnSerialize the Date goes out as JSON and comes back through the schema.
      assert.equal(serde.deserialize('t', serde.serialize('t', when)).getTime(), when.getTime())
    })

    it('validates on serialize only when asked', () => {
      const bad = { id: 1, amount: 'x', tags: [] } as unknown as Payment
      assert.ok(Serdes.json({ schema: paymentSchema }).serialize('t', bad).length > 0)
      assertSerializationError(
        () => Serdes.json({ schema: paymentSchema, validateOnSerialize: true }).serialize('out', bad),
        /while serializing for topic "out"/,
        /id: Expected string/,
      )
    })

    it('refuses asynchronous validators, which cannot run on the synchronous path', async () => {
      const serde = Serdes.json({ schema: asyncSchema })
      assertSerializationError(() => serde.deserialize('t', Buffer.from('1')), /slowlib/, /asynchronously/)
    })

    it('refuses a schema of another Standard Schema version', () => {
      const v2 = { '~standard': { version: 2, vendor: 'x', validate: () => ({ value: 1 }) } } as unknown as StandardSchemaV1
      assert.throws(() => Serdes.json({ schema: v2 }), /unsupported Standard Schema version 2/)
    })
  })

  it('infers the type from the schema, or takes it from the type argument (checked by tsc)', () => {
    const inferred = Serdes.json({ schema: paymentSchema })
    const fromSchema: Serde<Payment> = inferred
    const transformed: Serde<Date> = Serdes.json({ schema: dateSchema })
    const explicit: Serde<Payment> = Serdes.json<Payment>()
    const checked: Serde<Payment> = Serdes.json<Payment>({ schema: paymentSchema })
    const untyped: Serde<unknown> = Serdes.json()
    // @ts-expect-error the schema's output is Payment, not number
    const wrong: Serde<number> = Serdes.json({ schema: paymentSchema })
    // @ts-expect-error the type argument must agree with the schema
    Serdes.json<number>({ schema: paymentSchema })
    assert.ok([fromSchema, transformed, explicit, checked, untyped, wrong].every((s) => s.name === 'Json'))
  })
})
