import { silenceKafkajsTimeoutWarning } from '../../src/ingest/node-warnings.ts'

silenceKafkajsTimeoutWarning()
