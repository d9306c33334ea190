import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'

const services = inject('services')
const registry = new SchemaRegistry({ host: services.schemaRegistryUrl })

const parcelV1 = {
  type: 'record', name: 'SmokeParcel', namespace: 'org.parcelrisk.smoke',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'valueMinor', type: 'long' }
  ]
}

describe('stack > schema registry', () => {
  const subject = `smoke-${randomUUID()}-value`

  it('registers an Avro schema and round-trips a record in Confluent wire format', async () => {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(parcelV1) }, { subject })
    expect(id).toBeGreaterThan(0)
    const encoded = await registry.encode(id, { id: 'P-1', valueMinor: 1890 })
    expect(encoded[0]).toBe(0)
    expect(encoded.readInt32BE(1)).toBe(id)
    expect(await registry.decode(encoded)).toEqual({ id: 'P-1', valueMinor: 1890 })
  })

  it('rejects an incompatible change once the subject is BACKWARD compatible', async () => {
    const config = await fetch(`${services.schemaRegistryUrl}/config/${subject}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' })
    })
    expect(config.ok).toBe(true)
    // A new required field without a default cannot read old records.
    const breaking = { ...parcelV1, fields: [...parcelV1.fields, { name: 'hsCode', type: 'string' }] }
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject })).rejects.toThrow(/compatib/i)
    // The same field with a default is a compatible evolution.
    const evolved = {
      ...parcelV1, fields: [...parcelV1.fields, { name: 'hsCode', type: ['null', 'string'], default: null }]
    }
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(evolved) }, { subject })
    expect(id).toBeGreaterThan(0)
  })
})
