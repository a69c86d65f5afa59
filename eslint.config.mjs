// Flat config: typescript-eslint's recommended rules plus the layer rules of
// shared/design/STYLE.md ("Only extension.ts, editor/ and panels/ touch the
// VS Code API"; "webview code imports the protocol with `import type` only").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const VSCODE_ONLY_AT_THE_EDGES = {
  name: 'vscode',
  message: 'Only src/extension.ts, src/editor/ and src/panels/ may import vscode (STYLE.md "Pure core, thin edges").',
};

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
      'no-restricted-imports': ['error', { paths: [VSCODE_ONLY_AT_THE_EDGES] }],
    },
  },
  {
    // The edges, and the suite that runs inside the extension host.
    files: ['src/extension.ts', 'src/editor/**', 'src/panels/**', 'test/integration/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['webview/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // The webview bundle may take code only from the shared protocol (plain
      // TypeScript: its guards and assertNever); the rest of src/, types only.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [VSCODE_ONLY_AT_THE_EDGES],
          patterns: [
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
