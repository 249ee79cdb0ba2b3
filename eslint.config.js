// @ts-check
// ESLint's recommended rules and typescript-eslint's recommended set (syntax only, no type
// information, so it runs in seconds), with the changes below. Formatting is Prettier's (.prettierrc).
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'coverage/'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name`: a parameter or binding kept for its position or to leave a property out.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // `{}` is the empty start of the type-level step maps in lib/pipeline, and `interface JobTypes {}`
      // is the declaration users merge their job types into: both deliberate.
      '@typescript-eslint/no-empty-object-type': 'off',
      // Decorator metadata targets are any class or method, as in Nest's own Reflector signatures.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Shown, not failing, in the library: each `any` there should become a narrower type over time.
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Tests and benchmarks reach into internals and peers' untyped APIs on purpose.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
