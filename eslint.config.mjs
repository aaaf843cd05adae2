// Lint, including the layer rules of ../shared/STYLE.md:
//   contract <- core <- shell | host | cli, and the renderer sees only `import type` from contract.
import js from '@eslint/js';
import globals from 'globals';
import vue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

const layer = (files, patterns, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test/artifacts/**', 'coverage/**', 'models/**/*.onnx'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/no-v-html': 'error', // DICOM text is untrusted: never render it as HTML
    },
  },
  { files: ['src-renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // contract: plain types, no runtime imports at all
  layer(['src-main/contract/**'], ['electron', 'node:*', '../core/**', '../shell/**', '../host/**', '../cli/**', 'better-sqlite3', 'daikon'], 'contract holds types only'),
  // core: pure Node, never Electron, never the shells around it
  layer(['src-main/core/**'], ['electron', '**/shell/**', '**/host/**', '**/cli/**', '**/preload/**', '**/src-renderer/**'], 'core is pure Node and knows nothing of its shells'),
  // host and cli: the core, never Electron
  layer(['src-main/host/**', 'src-main/cli/**'], ['electron', '**/preload/**', '**/src-renderer/**'], 'host and cli run without Electron'),
  // renderer: only the api module talks to the main process; contract by `import type` only
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@contract', message: 'the renderer imports contract types only', allowTypeImports: true }],
          patterns: [
            { group: ['electron', 'node:*', 'better-sqlite3', 'daikon', 'onnxruntime-node'], message: 'the renderer runs in a sandbox' },
            { group: ['**/src-main/**', '../../src-main/**'], message: 'reach the core through src-renderer/api and @contract types' },
          ],
        },
      ],
    },
  },
);
