import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'rules/**/*.test.ts', 'test/unit/**/*.test.ts', 'deploy/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          // Packs the project, installs the tarball into an empty folder and runs its binary.
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          // Packing compiles the project (CPU-heavy for a minute): done before the
          // integration suites start, so their timings do not share the machine with it.
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          hookTimeout: 300_000
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/worker-setup.ts'],
          // Suites share one Kafka, registry and Redis; each uses its own topics and keys,
          // but running files one after another keeps broker load and timings predictable.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000
        }
      },
      {
        test: {
          // The web console in Debian's headless Chromium (`npm run test:browser`, never
          // `npm test`): processor, outcome loop and console as child processes against the
          // real stack. Screenshots go to build/screenshots/.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/worker-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000
        }
      },
      {
        test: {
          // The secured profile (`npm run test:secure`, never `npm test`): the product against
          // Kafka SASL_SSL with ACLs, the registry behind HTTPS and basic auth and Redis TLS
          // with an ACL user. Its setup starts `stack up --secure` unless it is running.
          name: 'secure',
          include: ['test/secure/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/secure/global-setup.ts'],
          setupFiles: ['test/integration/worker-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000
        }
      },
      {
        test: {
          // The three-broker profile (`npm run test:cluster`, never `npm test`): the partition
          // leader killed mid-stream, and the enrichment suite on three replicas. Its setup
          // starts `stack up --brokers 3` unless it is running, and provides the services as
          // the integration setup does, with three replicas for the topics the suites create.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts', 'test/integration/enrich.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/cluster/global-setup.ts'],
          setupFiles: ['test/integration/worker-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000
        }
      },
      {
        test: {
          // The Redis Cluster profile (`npm run test:redis-cluster`, never `npm test`): the
          // enrichment store's round trip grouped per node, a primary killed mid-stream, and
          // the aggregate, amendment, enrichment, watchlist index, processor, outcome-loop and console suites of
          // the integration project, on three primaries and three replicas (Kafka and the
          // registry found as the integration setup finds them). Its setup starts `stack up
          // --redis-cluster` unless it is running.
          name: 'redis-cluster',
          include: [
            'test/redis-cluster/**/*.test.ts',
            'test/integration/aggregates.test.ts',
            'test/integration/amendments.test.ts',
            'test/integration/enrich.test.ts',
            'test/integration/watch-index.test.ts',
            'test/integration/processor/processor.test.ts',
            // The outcome loop on the cluster: decisions, outcomes, offences and the report's
            // counters (outcomes.test.ts checks the same counters against a brute-force count
            // on one server; the cluster changes only how they are pipelined).
            'test/integration/outcomes/offences.test.ts',
            'test/integration/console/*.test.ts'
          ],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/redis-cluster/global-setup.ts'],
          setupFiles: ['test/integration/worker-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000
        }
      },
      {
        test: {
          // The container path, run by `npm run test:containers` (never by `npm test`, which
          // must pass where no container engine exists): Kafka, the registry and Redis from
          // the project's images through testcontainers, the smoke suites and the processor
          // round trip against them (the script picks those tests by name; the rest of the
          // processor suite runs here too without the filter), and the processor's own image.
          name: 'containers',
          sequence: { groupOrder: 1 },
          include: [
            'test/containers/**/*.test.ts', 'test/integration/smoke-*.test.ts',
            'test/integration/processor/processor.test.ts'
          ],
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/worker-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000
        }
      }
    ]
  }
})
