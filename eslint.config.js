import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'deploy/local/.cache/', 'deploy/local/.run/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    // The CLI, the stack script and benchmarks print to the terminal on purpose.
    files: ['src/cli/**/*.ts', 'deploy/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' }
  },
  {
    // Lines a reader can take in without scrolling, one statement each. The rest of the tree
    // follows folder by folder; add a folder here once it passes. URLs and regular
    // expressions may run long: broken up they are harder to check than to read.
    files: [
      'bench/**/*.ts', 'deploy/**/*.ts',
      'src/cli/**/*.ts', 'src/codec/**/*.ts', 'src/console/**/*.ts', 'src/decide/**/*.ts', 'src/engine/**/*.ts',
      'src/enrich/**/*.ts', 'src/generate/**/*.ts', 'src/ingest/**/*.ts', 'src/kafka/**/*.ts', 'src/observe/**/*.ts',
      'src/outcomes/**/*.ts', 'src/publish/**/*.ts', 'src/stack/**/*.ts', 'src/validate/**/*.ts',
      'src/actions.ts', 'src/amendment.test.ts', 'src/amendment.ts', 'src/architecture.test.ts', 'src/config.test.ts',
      'src/config.ts', 'src/enrichment.test.ts', 'src/logger.test.ts', 'src/logger.ts', 'src/main.ts',
      'src/pipeline-amendments.test.ts', 'src/pipeline.ts', 'src/refusals.test.ts', 'src/refusals.ts', 'src/tls.ts',
      'src/warm-up.test.ts', 'src/warm-up.ts',
      'test/browser/**/*.ts', 'test/chaos/**/*.ts', 'test/cluster/**/*.ts', 'test/containers/**/*.ts',
      'test/integration/**/*.ts', 'test/package/**/*.ts', 'test/secure/**/*.ts'
    ],
    rules: {
      'max-len': ['error', { code: 120, tabWidth: 2, ignoreUrls: true, ignoreRegExpLiterals: true }],
      'max-statements-per-line': ['error', { max: 1 }]
    }
  }
)
