// Flat config: typescript-eslint's recommended rules plus the layers of
// docs/architecture.md, enforced as import rules per folder: `vscode` only
// in src/extension.ts and src/workbench/, TF.js only in src/trainer/, and
// each folder of src/ importing code only from the folders below it.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const VSCODE = {
  name: 'vscode',
  message: 'Only src/extension.ts and src/workbench/ may import vscode (docs/architecture.md "Layers").',
};
const TFJS = {
  regex: '^@tensorflow/',
  message: 'TF.js runs only in the trainer processes: import it in src/trainer/ (docs/architecture.md "Processes").',
};

/**
 * What each folder of src/ must not take code from (types are allowed:
 * they cost nothing at run time). Bottom to top: protocol, data, modelFile,
 * runFolder; trainer and host beside each other; workbench; cli.
 */
const LAYERS = [
  { folder: 'src/protocol', above: ['slurm', 'sweep', 'data', 'modelFile', 'runFolder', 'trainer', 'host', 'workbench', 'cli'] },
  { folder: 'src/data', above: ['slurm', 'sweep', 'modelFile', 'runFolder', 'trainer', 'host', 'workbench', 'cli'] },
  { folder: 'src/modelFile', above: ['slurm', 'sweep', 'runFolder', 'trainer', 'host', 'workbench', 'cli'] },
  { folder: 'src/runFolder', above: ['slurm', 'sweep', 'trainer', 'host', 'workbench', 'cli'] },
  { folder: 'src/trainer', above: ['host', 'sweep', 'slurm', 'workbench', 'cli'] },
  { folder: 'src/host', above: ['trainer', 'sweep', 'slurm', 'workbench', 'cli'] },
  // Sweeps start trainers through host/: above it, below the workbench and the CLI.
  { folder: 'src/sweep', above: ['trainer', 'slurm', 'workbench', 'cli'] },
  { folder: 'src/slurm', above: ['trainer', 'workbench', 'cli'] },
  // Inside the workbench: shared ← services ← panels ← features.
  { folder: 'src/workbench/shared', above: ['trainer', 'cli', 'services', 'panels', 'features'] },
  { folder: 'src/workbench/services', above: ['trainer', 'cli', 'panels', 'features'] },
  { folder: 'src/workbench/panels', above: ['trainer', 'cli', 'features'] },
  { folder: 'src/workbench/features', above: ['trainer', 'cli'] },
  { folder: 'src/cli', above: ['workbench'] },
];

function layerRule({ folder, above }) {
  const vscodeAllowed = folder.startsWith('src/workbench');
  return {
    files: [`${folder}/**`],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: vscodeAllowed ? [] : [VSCODE],
          patterns: [
            ...(folder === 'src/trainer' ? [] : [TFJS]),
            {
              regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
              allowTypeImports: true,
              message: `${folder}/ must not import code from ${above.join(', ')} (docs/architecture.md "Layers"); types are fine.`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: ['dist/**', 'out/**', 'node_modules/**', '**/.modelstudio/**', 'test/e2e/screenshots/**', 'test/e2e/artifacts/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [VSCODE], patterns: [TFJS] }],
    },
  },
  {
    // The composition root, and what runs inside the extension host for the integration suite.
    files: ['src/extension.ts', 'test/integration/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [TFJS] }] },
  },
  {
    // Tests and benchmarks reach into every layer, TF.js included.
    files: ['test/unit/**', 'test/fixtures/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [VSCODE] }] },
  },
  ...LAYERS.map(layerRule),
  {
    files: ['webview/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The webview bundle takes code only from the shared protocol (plain
      // TypeScript: its guards and assertNever); the rest of src/, types only.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [VSCODE],
          patterns: [
            TFJS,
            {
              regex: '^(\\.\\./)+src/(?!protocol/)',
              allowTypeImports: true,
              message: 'Webview code takes code from src/protocol/ only; from the rest of src/, `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/unit/**/*.mjs'],
    languageOptions: { globals: { ...globals.mocha } },
  },
);
