// The codec as the processor wires it at start-up: a decoder for declarations and an encoder
// for decisions whose schema is registered first (the registry issues the id the encoder
// writes into every record).
import type { TopicsConfig } from '../config.ts'
import type { ParcelDeclaration, RiskDecision } from '../declaration.ts'
import { isParcelRiskError, ParcelRiskError } from '../errors.ts'
import { avroType, readSchema } from './avro-types.ts'
import { createDecoder, type Decoder } from './decoder.ts'
import { createEncoder, type Encoder } from './encoder.ts'
import type { Registry } from './registry.ts'

/** `unavailableRetryMs`: how long an uncached schema id waits out a registry outage (decoder.ts). */
export const createDeclarationDecoder = (
  registry: Pick<Registry, 'writerType'>,
  maxRecordBytes: number,
  unavailableRetryMs?: number
): Decoder<ParcelDeclaration> =>
  createDecoder<ParcelDeclaration>({
    readerType: avroType(readSchema('ParcelDeclaration')), registry, maxRecordBytes, unavailableRetryMs
  })

/**
 * Registers RiskDecision under `subject` (by convention `<decisions topic>-value`) and returns
 * an encoder that writes its id. Throws E_PUBLISH_SCHEMA_REGISTRATION (crash) on failure.
 */
export const registerDecisionEncoder = async (
  registry: Pick<Registry, 'register'>,
  subject: string
): Promise<Encoder<RiskDecision>> => {
  const schema = readSchema('RiskDecision')
  const schemaId = await registry.register(subject, schema)
  return createEncoder<RiskDecision>(avroType(schema), schemaId)
}

export interface ProcessorSchemas {
  /** The id producers of declarations find under `<declarations topic>-value`. */
  readonly declarationSchemaId: number
  readonly decisionEncoder: Encoder<RiskDecision>
}

/**
 * Registers what the processor reads and writes: ParcelDeclaration under its topic's subject
 * (BACKWARD, so a new deployment can never silently narrow what it accepts), RiskDecision
 * under the decisions topic's and, with a challenger, the shadow topic's. Throws
 * E_PUBLISH_SCHEMA_REGISTRATION (crash) on failure.
 */
export const registerProcessorSchemas = async (
  registry: Pick<Registry, 'register'>,
  topics: Pick<TopicsConfig, 'declarations' | 'decisions' | 'shadow'>,
  withShadow: boolean
): Promise<ProcessorSchemas> => {
  try {
    const declarationSchemaId = await registry.register(`${topics.declarations}-value`, readSchema('ParcelDeclaration'))
    const decisionEncoder = await registerDecisionEncoder(registry, `${topics.decisions}-value`)
    if (withShadow) await registerDecisionEncoder(registry, `${topics.shadow}-value`)
    return { declarationSchemaId, decisionEncoder }
  } catch (err) {
    throw isParcelRiskError(err)
      ? err
      : new ParcelRiskError('E_PUBLISH_SCHEMA_REGISTRATION',
        `registering schemas failed: ${(err as Error).message}`, { cause: err })
  }
}
