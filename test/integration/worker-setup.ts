import { silenceKafkajsTimeoutWarning } from '../../src/kafka/node-warnings.ts'

silenceKafkajsTimeoutWarning()
